import { describe, expect, it } from 'vitest';
import { javaHashMapOrder } from './java-hash-map.js';

// Expected orders are what Kafka Connect 4.3.1 answered for these configs (test/kafka-connect/rest-compare.test.ts).
describe('javaHashMapOrder', () => {
  it('orders connector configs as Kafka Connect returns them', () => {
    const keys = (ks: string[]) => Object.keys(javaHashMapOrder(Object.fromEntries(ks.map((k) => [k, 'v']))));
    expect(keys(['connector.class', 'tasks.max', 'file', 'topic', 'name'])).toEqual([
      'connector.class',
      'file',
      'tasks.max',
      'name',
      'topic',
    ]);
    expect(keys(['connector.class', 'tasks.max', 'file', 'topic', 'name', 'task.class'])).toEqual([
      'connector.class',
      'file',
      'task.class',
      'tasks.max',
      'name',
      'topic',
    ]);
  });

  it('keeps every key and value, and grows the table past 12 keys', () => {
    const map = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key.${i}`, String(i)]));
    const out = javaHashMapOrder(map);
    expect(Object.keys(out).sort()).toEqual(Object.keys(map).sort());
    for (const [k, v] of Object.entries(out)) expect(map[k]).toBe(v);
  });
});
