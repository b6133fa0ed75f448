/**
 * The order in which a java.util.HashMap filled one key at a time iterates its keys: the order of the configs Kafka
 * Connect answers with once it has read them back from the config topic (its JsonConverter builds a HashMap), and of
 * the per-table counts in Debezium's transaction END events (TransactionContext keeps them in a HashMap).
 */

/** String.hashCode over UTF-16 code units, as a 32-bit int. */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Keys in HashMap iteration order: by bucket (`(h ^ (h >>> 16)) & (capacity - 1)`), insertion order inside a bucket.
 * The capacity starts at 16 and doubles once the size passes three quarters of it; a resize keeps each bucket's order.
 * (A bucket of eight or more keys becomes a tree in a table of 64 or more, which no connector config comes near.)
 */
export function javaHashMapOrder<V>(map: Readonly<Record<string, V>>): Record<string, V> {
  const keys = Object.keys(map);
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucketOf = (k: string): number => {
    const h = javaStringHash(k);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  const ordered = keys.map((k, i) => ({ k, i, b: bucketOf(k) })).sort((x, y) => x.b - y.b || x.i - y.i);
  const out: Record<string, V> = {};
  for (const { k } of ordered) out[k] = map[k]!;
  return out;
}
