/**
 * The .proto files a Confluent Protobuf schema may import without a reference: Google's well-known
 * types, google.type's Date and TimeOfDay, and Confluent's own Decimal and meta options, as Confluent's
 * ProtobufSchema knows them built in. Both the converter and the registry resolve imports from here.
 * confluent/meta.proto's `extend google.protobuf.*Options` lines are left out: protobufjs keeps custom
 * options such as `(confluent.field_meta)` without needing the extension declared.
 */
import protobuf from 'protobufjs';

const GOOGLE_TYPES: Record<string, string> = {
  'google/type/date.proto': `syntax = "proto3";
package google.type;
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}`,
  'google/type/timeofday.proto': `syntax = "proto3";
package google.type;
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}`,
  'confluent/type/decimal.proto': `syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}`,
  'confluent/meta.proto': `syntax = "proto3";
package confluent;
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}`,
};

/** Whether an import names a file every Confluent registry knows (so it needs no schema reference). */
export function isBuiltinProto(path: string): boolean {
  return path in GOOGLE_TYPES || protobuf.common.get(path) !== null;
}

/**
 * Defines a built-in import in `root` (once), with its own imports first. Returns false when the
 * path is not built in.
 */
export function addBuiltinProto(root: protobuf.Root, path: string, done: Set<string>): boolean {
  if (done.has(path)) return true;
  const common = protobuf.common.get(path) as protobuf.INamespace | null;
  if (common) {
    done.add(path);
    root.addJSON(common.nested ?? {});
    return true;
  }
  const text = GOOGLE_TYPES[path];
  if (text === undefined) return false;
  done.add(path);
  protobuf.parse(text, root, { keepCase: true });
  return true;
}
