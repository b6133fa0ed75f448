// MySQL / MariaDB CDC bench: snapshot rows/s and binlog streaming events/s of MySqlSourceTask on a private
// MariaDB, with the task's peak RSS and heap. Called by `pnpm bench` (BENCH=mysql-cdc) as run(endpoints),
// or directly: node bench/mysql-cdc/index.mjs (after `pnpm build`). Volumes: MYSQL_BENCH_SNAPSHOT_ROWS
// (300000), MYSQL_BENCH_STREAM_EVENTS (200000). The task is driven without a worker (poll in a loop),
// so the figures are the connector's own, not Kafka's. Nothing here asserts a timing.
import { pathToFileURL } from 'node:url';
import { PeakMemory } from '../peak-memory.mjs';
import { createOrders, insertOrders } from './orders.mjs';

const SNAPSHOT_ROWS = Number(process.env.MYSQL_BENCH_SNAPSHOT_ROWS ?? 300_000);
const STREAM_EVENTS = Number(process.env.MYSQL_BENCH_STREAM_EVENTS ?? 200_000);

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;

async function driveTask(props, untilCount, afterStart) {
  const api = await import('@tributary/api');
  const { MySqlSourceTask } = await import('@tributary/connector-mysql-cdc');
  const task = new MySqlSourceTask();
  task.initialize({
    configs: () => props,
    offsetStorageReader: {
      offset: async () => null,
      offsets: async (ps) => ps.map((partition) => ({ partition, offset: null })),
    },
    transactionContext: null,
    logger: api.silentLogger,
  });
  let count = 0;
  const memory = new PeakMemory();
  await task.start(props);
  await afterStart?.();
  let firstAt = null;
  while (count < untilCount) {
    const batch = await task.poll();
    if (!batch || batch.length === 0) continue;
    firstAt ??= performance.now();
    count += batch.filter((r) => r.value !== null).length;
    memory.sample();
  }
  memory.sample(true);
  const done = performance.now();
  await task.stop();
  return { count, ms: done - (firstAt ?? done), peakRss: memory.rss, peakHeap: memory.heap };
}

export async function run() {
  const { startPrivateMariaDb } = await import('@tributary/testkit');
  const mysql = (await import('mysql2/promise')).default;
  console.log(`\n== mysql-cdc bench (MariaDB ${SNAPSHOT_ROWS} rows snapshot, ${STREAM_EVENTS} binlog events)`);
  const server = await startPrivateMariaDb({ binlog: true, serverId: 1 });
  const sql = await mysql.createConnection({ host: server.host, port: server.port, user: 'root' });
  try {
    await createOrders(sql, 'bench');
    await insertOrders(sql, 'bench', 1, SNAPSHOT_ROWS);
    const props = {
      'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
      'database.hostname': server.host,
      'database.port': String(server.port),
      'database.user': 'root',
      'database.server.id': '5999',
      'topic.prefix': 'bench',
      'table.include.list': 'bench.orders',
      'max.batch.size': '4096',
      'max.queue.size': '16384',
      'poll.interval.ms': '100',
    };
    const snap = await driveTask({ ...props, 'snapshot.mode': 'initial_only' }, SNAPSHOT_ROWS);
    console.log(
      `snapshot:  ${fmt(snap.count)} rows in ${(snap.ms / 1000).toFixed(1)} s = ${fmt((snap.count / snap.ms) * 1000)} rows/s, peak RSS ${mb(snap.peakRss)}, peak heap ${mb(snap.peakHeap)}`,
    );
    // Streaming: snapshot.mode=never reads the binlog from its start (the snapshot's rows were inserted
    // too), and all of it is written before the task starts, so this is catch-up throughput.
    await insertOrders(sql, 'bench', SNAPSHOT_ROWS + 1, STREAM_EVENTS);
    const stream = await driveTask({ ...props, 'snapshot.mode': 'never' }, STREAM_EVENTS + SNAPSHOT_ROWS);
    console.log(
      `streaming: ${fmt(stream.count)} events in ${(stream.ms / 1000).toFixed(1)} s = ${fmt((stream.count / stream.ms) * 1000)} events/s, peak RSS ${mb(stream.peakRss)}, peak heap ${mb(stream.peakHeap)}`,
    );
  } finally {
    await sql.end().catch(() => undefined);
    await server.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
  process.exit(0);
}
