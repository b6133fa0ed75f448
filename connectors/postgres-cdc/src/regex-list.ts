// Debezium's comma-separated regular-expression lists (include/exclude filters, column mappers).

/**
 * A comma-separated list of regular expressions, as Debezium splits them (a backslash-escaped
 * comma stays inside the expression), each anchored and case-insensitive.
 */
export function regexList(raw: string | null): RegExp[] {
  if (!raw || raw.trim() === '') return [];
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && raw[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => new RegExp(`^(?:${p})$`, 'i'));
}
