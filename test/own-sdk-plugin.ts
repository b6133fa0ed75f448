/** A plugin package that brings its own copy of @tributary/api, as `npm install` outside the workspace makes one. */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const apiDir = path.join(repo, 'packages/api');

export interface OwnSdkPluginOptions {
  /** The name of the package (and the prefix of its connector classes). */
  name: string;
  /** The version its copy of the SDK says it is (default: the workspace's). */
  sdkVersion?: string;
  /**
   * `node_modules`: the copy sits in the plugin's node_modules, where the loader can point the plugin at the
   * worker's copy. `vendored`: the plugin imports its copy by a relative path (a bundled SDK), which no
   * loader can redirect; only the SDK's brands keep its Structs recognised.
   */
  copy: 'node_modules' | 'vendored';
}

/**
 * Writes `<pluginsDir>/<name>`: a source emitting one Struct per number up to `count` with every kind of
 * field, and a sink writing each record as a JSON line `{struct, value}` — `struct` says whether its own
 * copy's `instanceof Struct` recognised the value; a value it did not recognise is written as null, which
 * is how the data was lost before.
 */
export function writeOwnSdkPlugin(pluginsDir: string, opts: OwnSdkPluginOptions): string {
  const dir = path.join(pluginsDir, opts.name);
  const apiPkg = JSON.parse(readFileSync(path.join(apiDir, 'package.json'), 'utf8')) as { version: string };
  const sdkVersion = opts.sdkVersion ?? apiPkg.version;
  const copyDir = opts.copy === 'node_modules' ? path.join(dir, 'node_modules/@tributary/api') : path.join(dir, 'sdk');
  mkdirSync(copyDir, { recursive: true });
  cpSync(path.join(apiDir, 'dist'), path.join(copyDir, 'dist'), { recursive: true });
  writeFileSync(
    path.join(copyDir, 'package.json'),
    JSON.stringify({
      name: '@tributary/api',
      version: sdkVersion,
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    }),
  );
  // The copy's own dependency, found from wherever the copy sits.
  const zod = path.dirname(createRequire(path.join(apiDir, 'package.json')).resolve('zod/package.json'));
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  symlinkSync(zod, path.join(dir, 'node_modules/zod'), 'dir');
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: opts.name,
      version: '1.0.0',
      type: 'module',
      tributary: { plugins: './index.js' },
      peerDependencies: { '@tributary/api': `^${sdkVersion}` },
    }),
  );
  const sdk = opts.copy === 'node_modules' ? '@tributary/api' : './sdk/dist/index.js';
  writeFileSync(path.join(dir, 'index.js'), pluginSource(sdk));
  return dir;
}

/** The field values the source writes for record `n`, as the sink and a JSON file sink write them. */
export function expectedReading(n: number): Record<string, unknown> {
  return {
    id: n,
    name: `reading-${n}`,
    score: n + 0.5,
    active: n % 2 === 0,
    payload: Buffer.from(`bytes-${n}`).toString('base64'),
    price: `${n}.25`,
    at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    tags: [`t${n}`, 'x'],
    attrs: { n },
    address: { city: `city-${n}`, zip: 10_000 + n },
  };
}

function pluginSource(sdk: string): string {
  return `import {
  ConfigKeys, ConnectTimestamp, Decimal, defineConfig, definePlugins, Schema, SchemaBuilder, SinkConnector, SinkTask,
  SourceConnector, SourceRecord, SourceTask, Struct, BigDecimal,
} from '${sdk}';
import { appendFileSync } from 'node:fs';

const sourceConfig = defineConfig({
  topic: ConfigKeys.string({ importance: 'HIGH', doc: 'Topic to write' }),
  count: ConfigKeys.int({ default: 10, importance: 'HIGH', doc: 'How many records' }),
});
const sinkConfig = defineConfig({ file: ConfigKeys.string({ importance: 'HIGH', doc: 'File to append to' }) });

const address = SchemaBuilder.struct().name('fixture.Address')
  .field('city', Schema.STRING_SCHEMA).field('zip', Schema.INT32_SCHEMA).build();
const reading = SchemaBuilder.struct().name('fixture.Reading')
  .field('id', Schema.INT64_SCHEMA)
  .field('name', Schema.STRING_SCHEMA)
  .field('score', Schema.FLOAT64_SCHEMA)
  .field('active', Schema.BOOLEAN_SCHEMA)
  .field('payload', Schema.BYTES_SCHEMA)
  .field('price', Decimal.schema(2))
  .field('at', ConnectTimestamp.SCHEMA)
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
  .field('attrs', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
  .field('address', address)
  .build();

class ReadingSourceTask extends SourceTask {
  #next = 1; #count = 0; #topic = '';
  version() { return '1.0.0'; }
  async start(props) {
    const c = sourceConfig.parse(props);
    this.#topic = c.topic; this.#count = c.count;
    const committed = await this.context.offsetStorageReader.offset({ fixture: 'readings' });
    if (committed) this.#next = Number(committed.n) + 1;
  }
  async poll() {
    if (this.#next > this.#count) { await new Promise((r) => setTimeout(r, 200)); return null; }
    const n = this.#next++;
    const value = new Struct(reading)
      .put('id', BigInt(n)).put('name', 'reading-' + n).put('score', n + 0.5).put('active', n % 2 === 0)
      .put('payload', new TextEncoder().encode('bytes-' + n)).put('price', new BigDecimal(BigInt(n * 100 + 25), 2))
      .put('at', new Date(Date.UTC(2026, 0, 1) + n * 1000)).put('tags', ['t' + n, 'x'])
      .put('attrs', new Map([['n', n]])).put('address', new Struct(address).put('city', 'city-' + n).put('zip', 10000 + n));
    return [new SourceRecord({ topic: this.#topic, sourcePartition: { fixture: 'readings' }, sourceOffset: { n },
      key: String(n), keySchema: Schema.STRING_SCHEMA, value, valueSchema: reading })];
  }
  stop() {}
}

class ReadingSource extends SourceConnector {
  #props = {};
  version() { return '1.0.0'; }
  config() { return sourceConfig; }
  start(props) { this.#props = props; }
  taskClass() { return ReadingSourceTask; }
  taskConfigs() { return [{ ...this.#props }]; }
  stop() {}
}

function plain(v) {
  if (v === null || v === undefined) return null;
  if (v instanceof Struct) return Object.fromEntries(v.schema.fields.map((f) => [f.name, plain(v.get(f))]));
  if (v instanceof BigDecimal) return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'bigint') return Number(v);
  return v;
}

class JsonLinesSinkTask extends SinkTask {
  #file = '';
  version() { return '1.0.0'; }
  start(props) { this.#file = sinkConfig.parse(props).file; }
  put(records) {
    for (const r of records) {
      const struct = r.value instanceof Struct;
      appendFileSync(this.#file, JSON.stringify({ schema: r.valueSchema?.name ?? null, struct, value: struct ? plain(r.value) : null }) + '\\n');
    }
  }
  stop() {}
}

class JsonLinesSink extends SinkConnector {
  #props = {};
  version() { return '1.0.0'; }
  config() { return sinkConfig; }
  start(props) { this.#props = props; }
  taskClass() { return JsonLinesSinkTask; }
  taskConfigs(max) { return Array.from({ length: max }, () => ({ ...this.#props })); }
  stop() {}
}

export const plugins = definePlugins([
  { kind: 'source', className: 'ReadingSource', create: () => new ReadingSource() },
  { kind: 'sink', className: 'JsonLinesSink', create: () => new JsonLinesSink() },
]);
`;
}
