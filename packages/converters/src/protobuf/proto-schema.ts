/**
 * A Protobuf schema as the registry keeps it: the text of one .proto file, whose imports are either
 * schema references (by import path) or files every Confluent registry knows built in.
 */
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { addBuiltinProto } from './well-known.js';

export interface ProtoReference {
  /** The import path the referencing file uses. */
  name: string;
  schema: string;
}

export interface ProtoFile {
  root: protobuf.Root;
  /** The file's package ('' when none). */
  package: string;
  syntax: 'proto2' | 'proto3';
  /** The file's top-level messages in declaration order: message index 0, 1, … */
  messages: protobuf.Type[];
  /** The file's top-level enums. */
  enums: protobuf.Enum[];
  /** The file's own imports, in order. */
  imports: string[];
}

const OPTIONS = { keepCase: true } as const;

/**
 * Rewrites list values in aggregate options (`params: [ { … }, { … } ]`, as Confluent prints
 * `(confluent.field_meta)`) as repeated fields (`params: { … } params: { … }`), the text-format
 * spelling protobufjs parses. Strings and comments are left as they are.
 */
export function expandOptionLists(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  const skipString = (from: number): number => {
    const q = text[from];
    let j = from + 1;
    while (j < n && text[j] !== q) j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const j = skipString(i);
      out += text.slice(i, j);
      i = j;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const j = text.indexOf('\n', i);
      const end = j < 0 ? n : j;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2);
      const end = j < 0 ? n : j + 2;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*\[/.exec(text.slice(i, i + 200));
    if (m && (i === 0 || !/[A-Za-z0-9_.]/.test(text[i - 1]!))) {
      // Split the list's elements at top-level commas.
      let j = i + m[0].length;
      let depth = 0;
      let start = j;
      const elements: string[] = [];
      while (j < n) {
        const d = text[j]!;
        if (d === '"' || d === "'") {
          j = skipString(j);
          continue;
        }
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || (d === ']' && depth > 0)) depth--;
        else if (d === ']' && depth === 0) break;
        else if (d === ',' && depth === 0) {
          elements.push(text.slice(start, j));
          start = j + 1;
        }
        j++;
      }
      const last = text.slice(start, j);
      if (last.trim()) elements.push(last);
      out += elements.map((e) => `${m[1]}: ${expandOptionLists(e.trim())}`).join(' ');
      i = j + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Parses a .proto text with its references; every type must resolve. Throws with protobufjs's reason. */
export function parseProto(text: string, references: readonly ProtoReference[] = []): ProtoFile {
  const root = new protobuf.Root();
  const loaded = new Set<string>();
  const builtins = new Set<string>();
  const byName = new Map(references.map((r) => [r.name, r.schema]));
  const load = (name: string, source: string): protobuf.IParserResult => {
    loaded.add(name);
    const parsed = protobuf.parse(expandOptionLists(source), root, OPTIONS);
    for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (loaded.has(imp)) continue;
      const ref = byName.get(imp);
      if (ref !== undefined) load(imp, ref);
      else if (!addBuiltinProto(root, imp, builtins))
        throw new Error(`import "${imp}" is neither a schema reference nor a file the registry knows built in`);
    }
    return parsed;
  };
  load('\u0000main', text);
  root.resolveAll();
  // A second parse of the file alone tells its own top-level declarations from those of imports in the same package.
  const own = protobuf.parse(expandOptionLists(text), new protobuf.Root(), OPTIONS);
  const pkg = own.package ?? '';
  const ns = pkg ? own.root.lookup(pkg) : own.root;
  const messages: protobuf.Type[] = [];
  const enums: protobuf.Enum[] = [];
  for (const n of (ns as protobuf.Namespace | null)?.nestedArray ?? []) {
    const full = pkg ? `${pkg}.${n.name}` : n.name;
    if (n instanceof protobuf.Type) messages.push(root.lookupType(full));
    else if (n instanceof protobuf.Enum) enums.push(root.lookupEnum(full));
  }
  // A file without a syntax statement is proto2, as protoc reads it.
  const m = /^\s*syntax\s*=\s*["'](proto[23])["']/m.exec(text);
  return {
    root,
    package: pkg,
    syntax: m?.[1] === 'proto3' ? 'proto3' : 'proto2',
    messages,
    enums,
    imports: [...(own.imports ?? []), ...(own.weakImports ?? [])],
  };
}

/** A field's Confluent meta params (`[(confluent.field_meta) = { params { key: …, value: … } }]`). */
export function fieldMetaParams(field: protobuf.Field): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of (field.parsedOptions ?? []) as Array<Record<string, unknown>>) {
    const meta = o['(confluent.field_meta)'] as
      | { params?: Array<{ key?: string; value?: string }> | { key?: string; value?: string } }
      | undefined;
    if (!meta?.params) continue;
    for (const p of Array.isArray(meta.params) ? meta.params : [meta.params])
      if (p.key !== undefined) out[p.key] = String(p.value ?? '');
  }
  return out;
}

/** The message a wire-format message-index path names (index 0 of the file, then nested types in order). */
export function messageAt(file: ProtoFile, indexes: readonly number[]): protobuf.Type {
  const first = indexes[0] ?? 0;
  let t: protobuf.Type | undefined = file.messages[first];
  if (!t)
    throw new Error(`message index ${first} out of range: the schema has ${file.messages.length} top-level message(s)`);
  for (const i of indexes.slice(1)) {
    const nested: protobuf.Type[] = t.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
    const next: protobuf.Type | undefined = nested[i];
    if (!next) throw new Error(`message index ${i} out of range: ${t.fullName} has ${nested.length} nested message(s)`);
    t = next;
  }
  return t;
}

/** The message-index path of a message in its file (the inverse of messageAt). */
export function indexesOf(file: ProtoFile, type: protobuf.Type): number[] {
  const path: number[] = [];
  let t: protobuf.Type = type;
  while (t.parent instanceof protobuf.Type) {
    const parent: protobuf.Type = t.parent;
    path.unshift(parent.nestedArray.filter((n) => n instanceof protobuf.Type).indexOf(t));
    t = parent;
  }
  const top = file.messages.indexOf(t);
  if (top < 0) throw new Error(`${type.fullName} is not a message of this schema`);
  path.unshift(top);
  return path;
}

/**
 * The message-index array as Confluent writes it after the schema id: a zig-zag varint count, then
 * each index as a zig-zag varint; the path [0] (the first message) is the single byte 0.
 */
export function encodeMessageIndexes(indexes: readonly number[]): Uint8Array {
  if (indexes.length === 1 && indexes[0] === 0) return Uint8Array.of(0);
  const w = protobuf.Writer.create();
  w.sint32(indexes.length);
  for (const i of indexes) w.sint32(i);
  return w.finish();
}

/** Reads the message-index array at the start of `buf`; returns it and how many bytes it took. */
export function decodeMessageIndexes(buf: Uint8Array): { indexes: number[]; length: number } {
  const r = protobuf.Reader.create(buf);
  const count = r.sint32();
  if (count < 0 || count > buf.length) throw new Error(`invalid message index count ${count}`);
  if (count === 0) return { indexes: [0], length: r.pos };
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) indexes.push(r.sint32());
  return { indexes, length: r.pos };
}

interface DescriptorField {
  name: string;
  typeName?: string;
}
interface DescriptorMessage {
  name: string;
  field?: DescriptorField[];
  nestedType?: DescriptorMessage[];
}
interface DescriptorFile {
  name?: string;
  package?: string;
  dependency?: string[];
  messageType?: DescriptorMessage[];
  enumType?: Array<{ name: string }>;
}

/**
 * The file as a serialized google.protobuf.FileDescriptorProto (what Confluent's registry answers for
 * `format=serialized`): its own messages and enums, its imports as dependencies, type names fully
 * qualified.
 */
export function toFileDescriptor(file: ProtoFile, name: string): Uint8Array {
  const set = (file.root as unknown as { toDescriptor(syntax: string): { file: DescriptorFile[] } }).toDescriptor(
    file.syntax,
  );
  const pkg = file.package || undefined;
  const own = set.file.find((f) => (f.package || undefined) === pkg);
  const ownMessages = new Set(file.messages.map((m) => m.name));
  const ownEnums = new Set(file.enums.map((e) => e.name));
  const qualify = (d: DescriptorMessage, t: protobuf.Type): void => {
    for (const f of d.field ?? []) {
      const resolved = t.fields[f.name]?.resolvedType;
      if (f.typeName !== undefined && resolved) f.typeName = resolved.fullName;
    }
    for (const n of d.nestedType ?? []) {
      const nested = t.nested?.[n.name];
      if (nested instanceof protobuf.Type) qualify(n, nested);
    }
  };
  const messages = (own?.messageType ?? []).filter((m) => ownMessages.has(m.name));
  for (const m of messages) qualify(m, file.messages.find((x) => x.name === m.name)!);
  const out: DescriptorFile = {
    ...own,
    name,
    ...(pkg ? { package: pkg } : {}),
    dependency: [...file.imports],
    messageType: messages,
    enumType: (own?.enumType ?? []).filter((e) => ownEnums.has(e.name)),
  };
  return descriptor.FileDescriptorProto.encode(
    descriptor.FileDescriptorProto.fromObject(out as Record<string, unknown>),
  ).finish();
}
