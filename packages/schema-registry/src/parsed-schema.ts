// What every schema type of the registry looks like once parsed, and the compatibility levels that apply
// to all of them the same way (Confluent's CompatibilityChecker): a leaf the type modules share.
import type { SchemaType } from './records.js';

// The levels themselves are Confluent's API vocabulary, kept beside the registry client that both sides use.
import type { CompatibilityLevel } from '@tributary/converters';

export { COMPATIBILITY_LEVELS, type CompatibilityLevel } from '@tributary/converters';

/** One incompatibility, as Confluent reports them in a 409's messages. */
export interface Difference {
  errorType: string;
  description: string;
  additionalInfo: string;
}

export type Words = { reader: string; writer: string };

export interface ParsedSchema {
  readonly schemaType: SchemaType;
  /** What the registry stores for this registration (the normalized form with normalize=true). */
  readonly stored: string;
  readonly normalized: string;
  /** The problems when data written with `writer` (the same type) is read with this schema. */
  readProblems(writer: ParsedSchema, words: Words): Difference[];
}

export interface ResolvedReference {
  /** The name the schema refers to it by: an Avro full name, a JSON $id or a .proto import path. */
  name: string;
  schema: string;
}

/**
 * Checks a new schema against the existing versions (oldest first) under a compatibility level, as
 * Confluent's CompatibilityChecker: non-transitive levels compare with the latest version only.
 * Returns Confluent's message list (empty when compatible).
 */
export function checkSchemaCompatibility(
  level: CompatibilityLevel,
  candidate: ParsedSchema,
  previous: ReadonlyArray<{ version: number; schema: string; parsed: ParsedSchema }>,
): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? [...previous].reverse() : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  for (const old of against) {
    const problems: Difference[] = [];
    if (old.parsed.schemaType !== candidate.schemaType) {
      problems.push({
        errorType: 'TYPE_MISMATCH',
        description: `The schema type changed from ${old.parsed.schemaType} to ${candidate.schemaType}`,
        additionalInfo: `reader type: ${candidate.schemaType} not compatible with writer type: ${old.parsed.schemaType}`,
      });
    } else {
      if (backward) problems.push(...candidate.readProblems(old.parsed, { reader: 'new', writer: 'old' }));
      if (forward) problems.push(...old.parsed.readProblems(candidate, { reader: 'old', writer: 'new' }));
    }
    if (problems.length > 0) {
      return [
        ...problems.map(
          (p) => `{errorType:'${p.errorType}', description:'${p.description}', additionalInfo:'${p.additionalInfo}'}`,
        ),
        `{oldSchemaVersion: ${old.version}}`,
        `{oldSchema: '${old.schema}'}`,
        `{validateFields: 'false', compatibility: '${level}'}`,
      ];
    }
  }
  return [];
}
