/**
 * Protobuf schemas in the registry: .proto text whose imports are references (by import path) or
 * files every Confluent registry knows built in; every type must resolve. The reader/writer rules
 * are those of Confluent's Protobuf diff that change what a reader sees: the package changed, a
 * message removed, a field's kind or named type changed (beyond the wire-compatible scalar groups),
 * a proto2 required field added or removed, fields moved into a oneof.
 */
import { type ProtoFile, expandOptionLists, parseProto, toFileDescriptor } from '@tributary/converters';
import protobuf from 'protobufjs';
import type { Difference, ParsedSchema, ResolvedReference, Words } from './parsed-schema.js';

export class ProtobufSchema implements ParsedSchema {
  readonly schemaType = 'PROTOBUF' as const;
  readonly file: ProtoFile;
  readonly stored: string;
  readonly normalized: string;

  constructor(text: string, references: readonly ResolvedReference[], normalize: boolean) {
    this.file = parseProto(text, references);
    // The file's own declarations as protobufjs describes them: equal for texts that differ in layout and comments.
    const own = protobuf.parse(expandOptionLists(text), new protobuf.Root(), { keepCase: true });
    this.normalized = JSON.stringify({
      syntax: this.file.syntax,
      package: this.file.package,
      imports: own.imports ?? [],
      root: own.root.toJSON(),
    });
    this.stored = normalize ? this.normalized : text.trim();
  }

  /** format=serialized: the file as a base64 FileDescriptorProto, as Confluent's registry answers it. */
  serialized(): string {
    return Buffer.from(toFileDescriptor(this.file, 'schema.proto')).toString('base64');
  }

  readProblems(writer: ParsedSchema, words: Words): Difference[] {
    const out: Difference[] = [];
    const original = (writer as ProtobufSchema).file;
    const update = this.file;
    if (original.package !== update.package)
      out.push({
        errorType: 'PACKAGE_CHANGED',
        description: `The package changed from '${original.package}' in the ${words.writer} schema to '${update.package}' in the ${words.reader} schema`,
        additionalInfo: '#/package',
      });
    for (const m of original.messages) {
      const counterpart = update.messages.find((x) => x.name === m.name);
      if (!counterpart) {
        out.push({
          errorType: 'MESSAGE_REMOVED',
          description: `The ${words.reader} schema lacks message ${m.name} of the ${words.writer} schema`,
          additionalInfo: `#/${m.name}`,
        });
        continue;
      }
      compareMessages(m, counterpart, `#/${m.name}`, out, words, new Set());
    }
    return out;
  }
}

/** Scalar kinds that read each other's wire encoding, as Confluent's FIELD_SCALAR_KIND_CHANGED leaves alone. */
const SCALAR_GROUPS: readonly string[][] = [
  ['int32', 'uint32', 'int64', 'uint64', 'bool'],
  ['sint32', 'sint64'],
  ['fixed32', 'sfixed32'],
  ['fixed64', 'sfixed64'],
  ['string', 'bytes'],
];

function compatibleScalars(a: string, b: string): boolean {
  return a === b || SCALAR_GROUPS.some((g) => g.includes(a) && g.includes(b));
}

function kindOf(f: protobuf.Field): 'message' | 'enum' | 'scalar' {
  f.resolve();
  if (f.resolvedType instanceof protobuf.Type) return 'message';
  if (f.resolvedType instanceof protobuf.Enum) return 'enum';
  return 'scalar';
}

function compareMessages(
  original: protobuf.Type,
  update: protobuf.Type,
  path: string,
  out: Difference[],
  words: Words,
  seen: Set<string>,
): void {
  const memo = `${original.fullName}|${update.fullName}`;
  if (seen.has(memo)) return;
  seen.add(memo);
  for (const of of original.fieldsArray) {
    const uf = update.fieldsById[of.id];
    const p = `${path}/${of.id}`;
    if (!uf) {
      if (of.required)
        out.push({
          errorType: 'REQUIRED_FIELD_REMOVED',
          description: `The required field ${of.name} (${of.id}) of the ${words.writer} schema is missing in the ${words.reader} schema`,
          additionalInfo: p,
        });
      continue;
    }
    if (uf.required && !of.required)
      out.push({
        errorType: 'REQUIRED_FIELD_ADDED',
        description: `The field ${uf.name} (${uf.id}) is required in the ${words.reader} schema but not in the ${words.writer} schema`,
        additionalInfo: p,
      });
    const ok = kindOf(of);
    const uk = kindOf(uf);
    if (ok !== uk) {
      out.push({
        errorType: 'FIELD_KIND_CHANGED',
        description: `The kind of field ${of.name} (${of.id}) changed from ${ok} to ${uk}`,
        additionalInfo: p,
      });
      continue;
    }
    if (ok === 'scalar' && !compatibleScalars(of.type, uf.type)) {
      out.push({
        errorType: 'FIELD_SCALAR_KIND_CHANGED',
        description: `The type of field ${of.name} (${of.id}) changed from ${of.type} to ${uf.type}`,
        additionalInfo: p,
      });
      continue;
    }
    if (ok !== 'scalar') {
      const on = of.resolvedType!.name;
      const un = uf.resolvedType!.name;
      if (on !== un) {
        out.push({
          errorType: 'FIELD_NAMED_TYPE_CHANGED',
          description: `The type of field ${of.name} (${of.id}) changed from ${on} to ${un}`,
          additionalInfo: p,
        });
        continue;
      }
      if (ok === 'message')
        compareMessages(of.resolvedType as protobuf.Type, uf.resolvedType as protobuf.Type, p, out, words, seen);
    }
  }
  for (const uf of update.fieldsArray) {
    if (uf.required && !original.fieldsById[uf.id])
      out.push({
        errorType: 'REQUIRED_FIELD_ADDED',
        description: `The ${words.reader} schema adds the required field ${uf.name} (${uf.id}), which the ${words.writer} schema's data lacks`,
        additionalInfo: `${path}/${uf.id}`,
      });
  }
  const movedIntoOneof = original.fieldsArray.filter((of) => {
    const uf = update.fieldsById[of.id];
    const real = (f: protobuf.Field): boolean => f.partOf !== null && f.options?.proto3_optional !== true;
    return uf !== undefined && !real(of) && real(uf);
  });
  if (movedIntoOneof.length > 1)
    out.push({
      errorType: 'MULTIPLE_FIELDS_MOVED_TO_ONEOF',
      description: `Fields ${movedIntoOneof.map((f) => f.name).join(', ')} moved into a oneof`,
      additionalInfo: path,
    });
}
