// Compares the npm Parquet writers the S3 sink could use: write rate, memory and what they can
// encode. Each (library, codec) pair runs in its own child process so peak RSS is its own; every
// file is read back with DuckDB (an independent reader) and checked for row count, an id checksum
// and the codec recorded in the footer.
//
//   node bench/s3/parquet-libraries.mjs [--records 100000] [--repeat 3] [--json out.json]
//
// The libraries are devDependencies of connectors/s3-sink, so they resolve from there.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const connectorDir = fileURLToPath(new URL('../../connectors/s3-sink/', import.meta.url));
const requireFromConnector = createRequire(join(connectorDir, 'package.json'));
const load = (name) => import(pathToFileURL(requireFromConnector.resolve(name)).href);

const BATCH = 10_000;
const LIBS = ['hyparquet-writer', 'parquet-wasm', '@dsnp/parquetjs', 'parquetjs-lite'];
const CODECS = ['SNAPPY', 'GZIP', 'ZSTD'];

// ---------------------------------------------------------------- data: ~1 KB rows, 10 fields
const WORDS =
  'order shipped payment accepted customer account region warehouse delayed refund invoice tracking status priority express standard return exchange discount coupon'.split(
    ' ',
  );
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'SE', 'PL', 'ES', 'IT', 'JP'];
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** Column arrays for rows [start, start+n): id, ts, user, country, amount, qty, express, category, score, note. */
function makeBatch(start, n) {
  const r = rng(start + 1);
  const cols = {
    id: new Array(n),
    ts: new Array(n),
    user: new Array(n),
    country: new Array(n),
    amount: new Array(n),
    qty: new Array(n),
    express: new Array(n),
    category: new Array(n),
    score: new Array(n),
    note: new Array(n),
  };
  for (let i = 0; i < n; i++) {
    const id = start + i;
    cols.id[i] = BigInt(id);
    cols.ts[i] = new Date(1_700_000_000_000 + id * 1000);
    cols.user[i] = `user-${Math.floor(r() * 100_000)}`;
    cols.country[i] = COUNTRIES[Math.floor(r() * COUNTRIES.length)];
    cols.amount[i] = Math.round(r() * 1_000_000) / 100;
    cols.qty[i] = Math.floor(r() * 100);
    cols.express[i] = r() < 0.3;
    cols.category[i] = WORDS[Math.floor(r() * WORDS.length)];
    cols.score[i] = r();
    let note = '';
    while (note.length < 880) note += `${WORDS[Math.floor(r() * WORDS.length)]} ${Math.floor(r() * 10_000)} `;
    cols.note[i] = note;
  }
  return cols;
}
// Generating 1 KB of text per row costs more than some writers do, so one batch is generated up
// front and reused with fresh ids and timestamps: the timed loop measures the writer, not the data.
let pool = null;
function batch(start, n) {
  if (!pool || pool.id.length < n) pool = makeBatch(0, Math.max(n, BATCH));
  const cols = {};
  for (const f of FIELDS) cols[f] = pool[f].slice(0, n);
  for (let i = 0; i < n; i++) {
    cols.id[i] = BigInt(start + i);
    cols.ts[i] = new Date(1_700_000_000_000 + (start + i) * 1000);
  }
  return cols;
}
const FIELDS = ['id', 'ts', 'user', 'country', 'amount', 'qty', 'express', 'category', 'score', 'note'];
function rowsOf(cols, n) {
  const rows = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = {};
    for (const f of FIELDS) row[f] = cols[f][i];
    rows[i] = row;
  }
  return rows;
}
function bytesPerRow() {
  const c = makeBatch(0, 100);
  return JSON.stringify(rowsOf(c, 100), (_k, v) => (typeof v === 'bigint' ? Number(v) : v)).length / 100;
}

// ---------------------------------------------------------------- one writer per library
const writers = {
  async 'hyparquet-writer'(file, codec, total) {
    const { ParquetWriter } = await load('hyparquet-writer');
    const { fileWriter } = await import(pathToFileURL(requireFromConnector.resolve('hyparquet-writer')).href);
    const compressors = { GZIP: (b) => gzipSync(b) };
    if (codec === 'ZSTD') {
      const zstd = await load('@bokuweb/zstd-wasm');
      await zstd.init();
      compressors.ZSTD = (b) => zstd.compress(b, 3);
    }
    const schema = [
      { name: 'root', num_children: 10 },
      { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
      {
        name: 'ts',
        type: 'INT64',
        repetition_type: 'REQUIRED',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      },
      { name: 'user', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'country', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'amount', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      { name: 'qty', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'express', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
      { name: 'category', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'score', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      { name: 'note', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ];
    const pw = new ParquetWriter({ writer: fileWriter(file), schema, codec, compressors });
    for (let start = 0; start < total; start += BATCH) {
      const cols = batch(start, Math.min(BATCH, total - start));
      await pw.write({ columnData: FIELDS.map((name) => ({ name, data: cols[name] })), rowGroupSize: BATCH });
    }
    await pw.finish();
  },

  async 'parquet-wasm'(file, codec, total) {
    const pw = await load('parquet-wasm');
    const arrow = await load('apache-arrow');
    const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression[codec]).build();
    let start = 0;
    const source = new ReadableStream({
      pull(controller) {
        if (start >= total) return controller.close();
        const n = Math.min(BATCH, total - start);
        const c = batch(start, n);
        start += n;
        const t = arrow.tableFromArrays({
          id: BigInt64Array.from(c.id),
          ts: arrow.vectorFromArray(c.ts, new arrow.TimestampMillisecond('UTC')),
          user: c.user,
          country: c.country,
          amount: Float64Array.from(c.amount),
          qty: Int32Array.from(c.qty),
          express: arrow.vectorFromArray(c.express, new arrow.Bool()),
          category: c.category,
          score: Float64Array.from(c.score),
          note: c.note,
        });
        for (const b of pw.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')).recordBatches()) controller.enqueue(b);
      },
    });
    const out = await pw.transformParquetStream(source, props);
    const fd = openSync(file, 'w');
    try {
      for await (const chunk of out) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
  },

  async '@dsnp/parquetjs'(file, codec, total) {
    const mod = await load('@dsnp/parquetjs');
    const pq = mod.default ?? mod;
    await parquetjsStyle(pq, file, codec, total, 'INT64');
  },

  async 'parquetjs-lite'(file, codec, total) {
    const mod = await load('parquetjs-lite');
    const pq = mod.default ?? mod;
    await parquetjsStyle(pq, file, codec, total, 'INT64');
  },
};

async function parquetjsStyle(pq, file, codec, total, int64) {
  const f = (type, extra = {}) => ({ type, compression: codec, ...extra });
  const schema = new pq.ParquetSchema({
    id: f(int64),
    ts: f('TIMESTAMP_MILLIS'),
    user: f('UTF8'),
    country: f('UTF8'),
    amount: f('DOUBLE'),
    qty: f('INT32'),
    express: f('BOOLEAN'),
    category: f('UTF8'),
    score: f('DOUBLE'),
    note: f('UTF8', { optional: true }),
  });
  const w = await pq.ParquetWriter.openFile(schema, file, { rowGroupSize: BATCH });
  w.setRowGroupSize?.(BATCH);
  for (let start = 0; start < total; start += BATCH) {
    const n = Math.min(BATCH, total - start);
    const c = batch(start, n);
    for (const row of rowsOf(c, n)) await w.appendRow(row);
  }
  await w.close();
}

// ---------------------------------------------------------------- feature probes (tiny files)
const DEC = { unscaled: 12345678901234n, scale: 4 }; // 1234567890.1234
const probes = {
  'hyparquet-writer': {
    async decimal(file) {
      const { parquetWriteFile } = await load('hyparquet-writer');
      parquetWriteFile({
        filename: file,
        schema: [
          { name: 'root', num_children: 1 },
          {
            name: 'v',
            type: 'FIXED_LEN_BYTE_ARRAY',
            type_length: 16,
            repetition_type: 'REQUIRED',
            converted_type: 'DECIMAL',
            precision: 38,
            scale: DEC.scale,
            logical_type: { type: 'DECIMAL', precision: 38, scale: DEC.scale },
          },
        ],
        columnData: [{ name: 'v', data: [DEC.unscaled] }],
      });
    },
    async nested(file) {
      const { parquetWriteFile } = await load('hyparquet-writer');
      parquetWriteFile({
        filename: file,
        schema: [
          { name: 'root', num_children: 1 },
          { name: 's', repetition_type: 'REQUIRED', num_children: 2 },
          { name: 'a', type: 'INT32', repetition_type: 'REQUIRED' },
          { name: 'l', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        ],
        columnData: [{ name: 's', data: [{ a: 7, l: ['x', 'y'] }] }],
      });
    },
  },
  'parquet-wasm': {
    async decimal(file) {
      const pw = await load('parquet-wasm');
      const arrow = await load('apache-arrow');
      const words = new Uint32Array(4);
      let x = DEC.unscaled;
      for (let i = 0; i < 4; i++) {
        words[i] = Number(x & 0xffffffffn);
        x >>= 32n;
      }
      const v = arrow.makeVector({ type: new arrow.Decimal(DEC.scale, 38, 128), data: words, length: 1 });
      const t = pw.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table({ v }), 'stream'));
      writeFileSync(file, pw.writeParquet(t));
    },
    async nested(file) {
      const pw = await load('parquet-wasm');
      const arrow = await load('apache-arrow');
      const type = new arrow.Struct([
        new arrow.Field('a', new arrow.Int32(), false),
        new arrow.Field('l', new arrow.List(new arrow.Field('element', new arrow.Utf8(), true)), true),
      ]);
      const s = arrow.vectorFromArray([{ a: 7, l: ['x', 'y'] }], type);
      const t = pw.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table({ s }), 'stream'));
      writeFileSync(file, pw.writeParquet(t));
    },
  },
  '@dsnp/parquetjs': {
    async decimal(file) {
      await parquetjsDecimal('@dsnp/parquetjs', file, 38);
    },
    async decimal18(file) {
      await parquetjsDecimal('@dsnp/parquetjs', file, 18);
    },
    async nested(file) {
      const mod = await load('@dsnp/parquetjs');
      const pq = mod.default ?? mod;
      const schema = new pq.ParquetSchema({
        s: { fields: { a: { type: 'INT32' }, l: { type: 'UTF8', repeated: true } } },
      });
      const w = await pq.ParquetWriter.openFile(schema, file);
      await w.appendRow({ s: { a: 7, l: ['x', 'y'] } });
      await w.close();
    },
  },
  'parquetjs-lite': {
    async decimal(file) {
      await parquetjsDecimal('parquetjs-lite', file, 38);
    },
    async decimal18(file) {
      await parquetjsDecimal('parquetjs-lite', file, 18);
    },
    async nested(file) {
      const mod = await load('parquetjs-lite');
      const pq = mod.default ?? mod;
      const schema = new pq.ParquetSchema({
        s: { fields: { a: { type: 'INT32' }, l: { type: 'UTF8', repeated: true } } },
      });
      const w = await pq.ParquetWriter.openFile(schema, file);
      await w.appendRow({ s: { a: 7, l: ['x', 'y'] } });
      await w.close();
    },
  },
};

/** parquetjs takes decimals as JS numbers, so only precision ≤ 18 has a chance of being exact. */
async function parquetjsDecimal(name, file, precision) {
  const mod = await load(name);
  const pq = mod.default ?? mod;
  const schema = new pq.ParquetSchema({ v: { type: 'DECIMAL', precision, scale: DEC.scale } });
  const w = await pq.ParquetWriter.openFile(schema, file);
  await w.appendRow({ v: 1234567890.1234 });
  await w.close();
}

// ---------------------------------------------------------------- child: run one measurement
async function child(lib, what, codec, total, file) {
  const sample = { heap: process.memoryUsage().heapUsed };
  if (what === 'write') {
    // Warm up module loading and JIT on a tiny file so the timed run measures writing only.
    await writers[lib](`${file}.warm`, codec, 1000);
    batch(0, BATCH);
    rmSync(`${file}.warm`, { force: true });
    global.gc?.();
    const base = process.memoryUsage();
    let peakHeap = base.heapUsed;
    let peakRss = base.rss;
    const timer = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }, 5);
    const t0 = process.hrtime.bigint();
    await writers[lib](file, codec, total);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    clearInterval(timer);
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss, process.resourceUsage().maxRSS * 1024);
    return {
      ms,
      baseRss: base.rss,
      peakRss,
      rssDelta: peakRss - base.rss,
      heapDelta: peakHeap - base.heapUsed,
      bytes: statSync(file).size,
    };
  }
  await probes[lib][what](file);
  return { ms: 0, heap: sample.heap };
}

async function verify(db, file, total) {
  const c = await db.connect();
  try {
    const q = `select count(*)::BIGINT as n, sum(id)::HUGEINT as s, epoch_ms(min(ts))::BIGINT as t0, max(length(note))::INT as ln from read_parquet('${file}')`;
    const r = (await c.runAndReadAll(q)).getRowObjects()[0];
    const codecs = (
      await c.runAndReadAll(`select distinct compression from parquet_metadata('${file}')`)
    ).getRowObjects();
    const n = Number(r.n);
    const expectSum = (BigInt(total) * BigInt(total - 1)) / 2n;
    const ok =
      n === total && BigInt(String(r.s)) === expectSum && Number(r.t0) === 1_700_000_000_000 && Number(r.ln) >= 880;
    return { ok, codec: codecs.map((x) => String(x.compression)).join(','), n };
  } finally {
    c.closeSync?.();
  }
}

async function verifyProbe(db, file, what) {
  const c = await db.connect();
  try {
    if (what.startsWith('decimal')) {
      const r = (await c.runAndReadAll(`select v::VARCHAR as v from read_parquet('${file}')`)).getRowObjects()[0];
      return String(r.v) === '1234567890.1234' ? 'yes' : `wrong value ${r.v}`;
    }
    const r = (await c.runAndReadAll(`select s.a as a, s.l as l from read_parquet('${file}')`)).getRowObjects()[0];
    const list = r.l?.items ?? r.l;
    return Number(r.a) === 7 && JSON.stringify(list) === '["x","y"]' ? 'yes' : `wrong value ${JSON.stringify(r)}`;
  } catch (e) {
    return `unreadable: ${String(e.message ?? e).split('\n')[0]}`;
  } finally {
    c.closeSync?.();
  }
}

function runChild(args) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', ...args], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return { error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') };
  }
}

const mb = (b) => (b / 1048576).toFixed(0);

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, lib, what, codec, total, file] = argv;
    try {
      console.log(JSON.stringify(await child(lib, what, codec, Number(total), file)));
    } catch (e) {
      console.log(JSON.stringify({ error: String(e?.message ?? e).split('\n')[0] }));
    }
    return;
  }
  const opt = (name, d) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : d;
  };
  const total = Number(opt('--records', '100000'));
  const jsonOut = opt('--json', null);
  const repeat = Number(opt('--repeat', '3'));
  const dir = mkdtempSync(join(tmpdir(), 'pq-bench-'));
  const { DuckDBInstance } = await load('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const results = [];
  console.log(`node ${process.version}, ${total} records of ~${bytesPerRow().toFixed(0)} bytes (JSON), 10 fields`);
  for (const lib of LIBS) {
    for (const codec of CODECS) {
      const file = join(dir, `${lib.replace(/\W/g, '_')}-${codec}.parquet`);
      // The median of `repeat` runs: these machines are shared, one run can be unlucky.
      const runs = [];
      for (let i = 0; i < repeat; i++) {
        const one = runChild([lib, 'write', codec, String(total), file]);
        if (one.error) {
          runs.length = 0;
          runs.push(one);
          break;
        }
        runs.push(one);
      }
      runs.sort((a, b) => (a.ms ?? 0) - (b.ms ?? 0));
      const r = { ...runs[Math.floor(runs.length / 2)] };
      if (!r.error) {
        r.peakRss = Math.max(...runs.map((x) => x.peakRss));
        r.rssDelta = Math.max(...runs.map((x) => x.rssDelta));
        r.heapDelta = Math.max(...runs.map((x) => x.heapDelta));
        r.recordsPerSec = Math.round(total / (r.ms / 1000));
        Object.assign(r, await verify(db, file, total));
      }
      results.push({ lib, codec, ...r });
      const line = r.error
        ? `  ${lib} ${codec}: cannot: ${r.error}`
        : `  ${lib} ${codec}: ${r.recordsPerSec} rec/s, ${mb(r.bytes)} MB file, peak RSS ${mb(r.peakRss)} MB (+${mb(r.rssDelta)}), heap +${mb(r.heapDelta)} MB, read back ${r.ok ? 'ok' : 'WRONG'} (${r.codec})`;
      console.log(line);
      rmSync(file, { force: true });
    }
    for (const what of Object.keys(probes[lib])) {
      const file = join(dir, `${lib.replace(/\W/g, '_')}-${what}.parquet`);
      const r = runChild([lib, what, 'SNAPPY', '1', file]);
      const verdict = r.error ? `cannot write: ${r.error}` : await verifyProbe(db, file, what);
      results.push({ lib, probe: what, verdict });
      console.log(`  ${lib} ${what}: ${verdict}`);
      rmSync(file, { force: true });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ node: process.version, total, results }, null, 2));
}

await main();
