// Our JsonConverter beside Kafka Connect 4.3.1's own, message by message: read with the schema, written back, the same bytes or both refusing.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonConverter } from '@tributary/converters';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureFileConnectJars } from '../../scripts/debezium/kafka-connect.mjs';

const ORACLE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'java/JsonConverterOracle.java');

const int32 = { type: 'int32' };
const str = { type: 'string' };
const struct = (fields: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({
  type: 'struct',
  fields,
  ...extra,
});

/**
 * Envelopes (schema + payload) that exercise defaults, nulls and every type's JSON form. Each case expects the same
 * answer as Kafka Connect's, except where Kafka Connect silently turns a value of the wrong JSON type into another
 * value (Jackson's intValue() of "five" is 0, of 1.5 is 1): there we refuse, so the record goes where errors.* says.
 */
const WE_REFUSE = new Set(['wrong default type', 'string payload for int32', 'fraction payload for int32']);
const CASES: Array<[string, unknown]> = [
  ['int32 default, null payload', { schema: { ...int32, default: 5 }, payload: null }],
  ['optional int32 default, null payload', { schema: { ...int32, optional: true, default: 5 }, payload: null }],
  ['string default, value given', { schema: { ...str, default: 'd' }, payload: 'v' }],
  ['boolean default', { schema: { type: 'boolean', default: true }, payload: null }],
  // As text: a JavaScript number cannot hold 2^53 + 1.
  ['int64 default beyond 2^53', '{"schema":{"type":"int64","default":9007199254740993},"payload":9007199254740995}'],
  ['float64 default', { schema: { type: 'float64', default: 1.5 }, payload: null }],
  ['bytes default (base64)', { schema: { type: 'bytes', default: 'AQID' }, payload: null }],
  ['array default', { schema: { type: 'array', items: int32, default: [1, 2] }, payload: null }],
  ['map default', { schema: { type: 'map', keys: str, values: int32, default: { a: 1 } }, payload: null }],
  [
    'map with int keys, as pairs',
    {
      schema: { type: 'map', keys: int32, values: str },
      payload: [
        [1, 'a'],
        [2, 'b'],
      ],
    },
  ],
  [
    'Decimal default',
    {
      schema: {
        type: 'bytes',
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: '2' },
        default: 'MDk=',
      },
      payload: null,
    },
  ],
  [
    'Timestamp default',
    {
      schema: { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1, default: 1700000000000 },
      payload: null,
    },
  ],
  [
    'struct field defaults, null fields',
    {
      schema: struct([
        { field: 'a', ...int32, default: 1 },
        { field: 'b', ...str, optional: true, default: 'x' },
        { field: 'c', ...str, optional: true },
      ]),
      payload: { a: null, b: null, c: null },
    },
  ],
  [
    'struct field missing from the payload',
    {
      schema: struct([
        { field: 'a', ...int32, default: 1 },
        { field: 'b', ...str, optional: true },
      ]),
      payload: {},
    },
  ],
  [
    'nested struct with a struct default',
    {
      schema: struct([
        { field: 'a', ...int32 },
        { field: 'inner', ...struct([{ field: 'x', ...str }]), optional: true, default: { x: 'd' } },
      ]),
      payload: { a: 1, inner: null },
    },
  ],
  [
    'struct default at the top',
    { schema: struct([{ field: 'a', ...int32 }], { default: { a: 7 } }), payload: { a: 3 } },
  ],
  ['wrong default type', { schema: { ...int32, default: 'five' }, payload: 1 }],
  ['string payload for int32', { schema: int32, payload: 'five' }],
  ['fraction payload for int32', { schema: int32, payload: 1.5 }],
  ['required field null without default', { schema: struct([{ field: 'a', ...int32 }]), payload: { a: null } }],
  [
    'schema doc, name, version, parameters',
    { schema: { ...str, name: 'n', version: 3, doc: 'd', parameters: { p: 'v' } }, payload: 's' },
  ],
  ['no schema', { schema: null, payload: { a: [1, 'x', null, true] } }],
];

/** A case's message: JSON text as written, or an object serialized. */
const text = (envelope: unknown): string => (typeof envelope === 'string' ? envelope : JSON.stringify(envelope));

describe('JsonConverter beside Kafka Connect 4.3.1', () => {
  let kafkaConnect: string[];
  beforeAll(() => {
    const libs = ensureFileConnectJars();
    const input = CASES.map(([, c]) => Buffer.from(text(c)).toString('base64')).join('\n');
    const run = spawnSync('java', ['-cp', `${libs}/*`, ORACLE], { input, encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`the Kafka Connect oracle failed: ${run.stderr}`);
    kafkaConnect = run.stdout.trimEnd().split('\n');
  }, 180_000);

  const ours = (envelope: unknown): string => {
    const converter = new JsonConverter();
    converter.configure({ 'schemas.enable': 'true' }, false);
    try {
      const data = converter.toConnectData('t', null, Buffer.from(text(envelope)));
      return Buffer.from(converter.fromConnectData('t', null, data.schema, data.value)!).toString('base64');
    } catch (err) {
      return `ERROR ${(err as Error).name}: ${(err as Error).message}`;
    }
  };

  it.each(CASES.map(([name, envelope], i) => ({ name, envelope, i })))('$name', ({ name, envelope, i }) => {
    const theirs = kafkaConnect[i]!;
    const mine = ours(envelope);
    const show = (s: string): string => (s.startsWith('ERROR') ? s : Buffer.from(s, 'base64').toString('utf8'));
    if (WE_REFUSE.has(name)) {
      expect(theirs, 'Kafka Connect reads it (silently changed)').not.toMatch(/^ERROR /);
      expect(mine).toMatch(/^ERROR DataException: /);
    } else if (theirs.startsWith('ERROR')) {
      // Both refuse; the messages are each runtime's own.
      expect(mine, `Kafka Connect: ${theirs}`).toMatch(/^ERROR /);
    } else {
      expect(show(mine)).toBe(show(theirs));
    }
  });
});
