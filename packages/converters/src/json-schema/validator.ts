/** JSON Schema validation for json.fail.invalid.schema, by the draft the schema names in `$schema` (draft-07 when it names none). */
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** Returns null when the value conforms, else every problem in one message. */
export type Validate = (value: unknown) => string | null;

function ajvFor(schema: unknown): Ajv {
  const draft = schema && typeof schema === 'object' ? String((schema as { $schema?: unknown }).$schema ?? '') : '';
  // strict: false because Confluent's connect.* keywords are not JSON Schema vocabulary.
  const options = { strict: false, allErrors: true, validateFormats: false } as const;
  if (draft.includes('2020-12')) return new Ajv2020(options);
  if (draft.includes('2019-09')) return new Ajv2019(options);
  return new Ajv(options);
}

export function compileValidator(schema: unknown): Validate {
  const fn: ValidateFunction = ajvFor(schema).compile(schema as object);
  return (value) => {
    if (fn(value)) return null;
    return (fn.errors ?? []).map((e) => `${e.instancePath || '#'} ${e.message ?? 'is invalid'}`).join('; ');
  };
}

/**
 * Whether a document is a JSON Schema this validator accepts, its `$ref`s to other documents
 * resolved by the references' names; throws with the reason when not.
 */
export function checkJsonSchema(
  schema: unknown,
  references: ReadonlyArray<{ name: string; schema: unknown }> = [],
): void {
  if (typeof schema === 'boolean') return;
  if (!schema || typeof schema !== 'object' || Array.isArray(schema))
    throw new Error('a JSON Schema must be an object or a boolean');
  const ajv = ajvFor(schema);
  for (const r of references) ajv.addSchema(r.schema as object, r.name);
  ajv.compile(schema as object);
}
