/**
 * JSON text the way Kafka Connect's Jackson serializer writes it: no white space, control
 * characters as \b \t \n \f \r or \u00XX with upper-case hex, everything else as UTF-8.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters Jackson escapes as \u00XX
const HEX_ESCAPED = /[\u0000-\u0007\u000b\u000e-\u001f]/;
const LOWER_HEX = /(?<=(?:^|[^\\])(?:\\\\)*)\\u00([0-9a-f]{2})/g;

export function jsonString(s: string): string {
  const q = JSON.stringify(s);
  // Nothing was escaped (the common case): no \u00xx to spell in upper case, and no scan for one.
  if (q.length === s.length + 2) return q;
  return HEX_ESCAPED.test(s) ? q.replace(LOWER_HEX, (_m, h: string) => `\\u00${h.toUpperCase()}`) : q;
}
