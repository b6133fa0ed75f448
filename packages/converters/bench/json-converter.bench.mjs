// Measures JsonConverter throughput on a Debezium-shaped change event, both directions, against
// JSON.stringify/JSON.parse of the same payload as a reference. Run after `pnpm exec tsc -b packages/converters`:
//   node packages/converters/bench/json-converter.bench.mjs
import { Schema, SchemaBuilder, Struct } from '@tributary/api';
import { JsonConverter } from '../dist/index.js';

const row = SchemaBuilder.struct()
  .name('dbserver1.inventory.customers.Value')
  .field('id', Schema.INT32_SCHEMA)
  .field('first_name', Schema.STRING_SCHEMA)
  .field('last_name', Schema.STRING_SCHEMA)
  .field('email', Schema.OPTIONAL_STRING_SCHEMA)
  .field('balance', Schema.OPTIONAL_FLOAT64_SCHEMA)
  .field('created', Schema.OPTIONAL_INT64_SCHEMA)
  .optional()
  .build();
const source = SchemaBuilder.struct()
  .name('io.debezium.connector.postgresql.Source')
  .field('version', Schema.STRING_SCHEMA)
  .field('connector', Schema.STRING_SCHEMA)
  .field('name', Schema.STRING_SCHEMA)
  .field('ts_ms', Schema.INT64_SCHEMA)
  .field('db', Schema.STRING_SCHEMA)
  .field('schema', Schema.STRING_SCHEMA)
  .field('table', Schema.STRING_SCHEMA)
  .field('lsn', Schema.OPTIONAL_INT64_SCHEMA)
  .build();
const envelope = SchemaBuilder.struct()
  .name('dbserver1.inventory.customers.Envelope')
  .version(1)
  .field('before', row)
  .field('after', row)
  .field('source', source)
  .field('op', Schema.STRING_SCHEMA)
  .field('ts_ms', Schema.OPTIONAL_INT64_SCHEMA)
  .build();

const N = Number(process.env.N ?? 200_000);
const values = Array.from({ length: 1000 }, (_, i) =>
  new Struct(envelope)
    .put(
      'after',
      new Struct(row)
        .put('id', i)
        .put('first_name', 'Anne')
        .put('last_name', 'Kretchmar')
        .put('email', `annek${i}@noanswer.org`)
        .put('balance', i * 1.25)
        .put('created', 1_700_000_000_000 + i),
    )
    .put(
      'source',
      new Struct(source)
        .put('version', '2.7.0')
        .put('connector', 'postgresql')
        .put('name', 'dbserver1')
        .put('ts_ms', 1_700_000_000_000)
        .put('db', 'inventory')
        .put('schema', 'public')
        .put('table', 'customers')
        .put('lsn', 33_000_000 + i),
    )
    .put('op', 'c')
    .put('ts_ms', 1_700_000_000_100),
);

function time(label, fn) {
  fn(10_000);
  const t0 = process.hrtime.bigint();
  fn(N);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `${label.padEnd(44)} ${Math.round(N / s)
      .toLocaleString('en-US')
      .padStart(12)} records/s`,
  );
}

for (const schemasEnable of ['true', 'false']) {
  const c = new JsonConverter();
  c.configure({ 'schemas.enable': schemasEnable }, false);
  const encoded = values.map((v) => c.fromConnectData('t', null, envelope, v));
  const bytes = encoded.reduce((n, b) => n + b.length, 0) / encoded.length;
  console.log(`schemas.enable=${schemasEnable}: ${Math.round(bytes)} bytes per record`);
  time(`  fromConnectData (Struct → bytes)`, (n) => {
    for (let i = 0; i < n; i++) c.fromConnectData('t', null, envelope, values[i % 1000]);
  });
  time(`  toConnectData (bytes → Struct / object)`, (n) => {
    for (let i = 0; i < n; i++) c.toConnectData('t', null, encoded[i % 1000]);
  });
  const plain = encoded.map((b) => Buffer.from(b).toString('utf8'));
  time(`  reference: JSON.parse of the same bytes`, (n) => {
    for (let i = 0; i < n; i++) JSON.parse(Buffer.from(encoded[i % 1000]).toString('utf8'));
  });
  time(`  reference: JSON.stringify of the parsed JSON`, (n) => {
    const parsed = plain.map((p) => JSON.parse(p));
    for (let i = 0; i < n; i++) Buffer.from(JSON.stringify(parsed[i % 1000]), 'utf8');
  });
}
