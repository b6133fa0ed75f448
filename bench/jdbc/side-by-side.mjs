// JDBC sink side by side: the same topic of N keyed records (JsonConverter with schemas, half of them updates) sunk into
// Postgres by our sink in a Tributary worker process and by the real Debezium JDBC sink in Kafka Connect 4.3.1, one after
// the other, with the same config. rows/s from the task running to its committed offset reaching the end of the topic
// (offsets flushed every second), and each process's peak RSS (VmHWM). Nothing here asserts a timing.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  BOOTSTRAP,
  database,
  dropDatabase,
  ensureJars,
  sleep,
  startKafkaConnect,
  startTributary,
} from '../../scripts/debezium/jdbc-sink/connect.mjs';

const KEY = { type: 'struct', optional: false, fields: [{ field: 'id', type: 'int64', optional: false }] };
const VALUE = {
  type: 'struct',
  name: 'bench.Order',
  optional: false,
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'customer', type: 'string', optional: false },
    { field: 'qty', type: 'int32', optional: false },
    { field: 'note', type: 'string', optional: true },
    { field: 'paid', type: 'boolean', optional: false },
    { field: 'created', type: 'int64', optional: false, name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
  ],
};

const peakRss = (pid) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};

async function produce(kafka, topic, n) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const distinct = Math.floor(n / 2);
  for (let i = 0; i < n; i += 1000) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const id = j % 2 === 0 ? j / 2 : (j * 7919) % distinct;
      messages.push({
        key: JSON.stringify({ schema: KEY, payload: { id } }),
        value: JSON.stringify({
          schema: VALUE,
          payload: {
            id,
            customer: `customer-${id % 997}`,
            qty: j % 50,
            note: j % 5 === 0 ? null : `note ${j}`,
            paid: j % 3 === 0,
            created: Date.UTC(2024, 4, 1) + j * 1000,
          },
        }),
      });
    }
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
}

async function untilCommitted(kafka, group, topic, n, running) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    while (!(await running())) await sleep(200);
    const start = Date.now();
    for (;;) {
      const o = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      if (Number(o[0]?.partitions[0]?.offset ?? -1) >= n) return (Date.now() - start) / 1000;
      if (Date.now() - start > 900_000) throw new Error(`${group} did not reach offset ${n}`);
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
}

export async function runSideBySide(n) {
  const libs = ensureJars();
  const kafka = new Kafka({ clientId: 'jdbc-bench', brokers: BOOTSTRAP, logLevel: logLevel.NOTHING });
  const tag = `jdbcbench_${process.pid}`;
  const topic = `${tag}-orders`;
  await produce(kafka, topic, n);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jdbc-bench-'));
  const sink = (db) => ({
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'connection.url': db.jdbc,
    'connection.username': decodeURIComponent(db.url.username || 'postgres'),
    'connection.password': decodeURIComponent(db.url.password || 'unused'),
    topics: topic,
    'insert.mode': 'upsert',
    'primary.key.mode': 'record_key',
    'schema.evolution': 'basic',
    'collection.name.format': 'orders',
    'batch.size': '3000',
    'tasks.max': '1',
  });
  const rows = [];
  const ours = await database(`${tag}_ours`);
  try {
    const w = await startTributary(tmp, tag, {
      'offset.flush.interval.ms': '1000',
      'consumer.max.poll.records': '3000',
    });
    await w.put(`${tag}-ours`, sink(ours));
    const s = await untilCommitted(
      kafka,
      `connect-${tag}-ours`,
      topic,
      n,
      async () => (await w.status(`${tag}-ours`))?.tasks?.[0]?.state === 'RUNNING',
    );
    rows.push({
      sink: 'Tributary JDBC sink',
      'rows/s': Math.round(n / s),
      seconds: s.toFixed(1),
      'peak RSS MiB': (peakRss(w.pid) / 1048576).toFixed(0),
    });
    w.stop();
  } finally {
    await ours.client.end();
    await dropDatabase(ours.name);
  }
  const theirs = await database(`${tag}_dbz`);
  try {
    const c = await startKafkaConnect(
      libs,
      tmp,
      { name: `${tag}-dbz`, ...sink(theirs) },
      { 'offset.flush.interval.ms': '1000', 'consumer.max.poll.records': '3000' },
    );
    const s = await untilCommitted(
      kafka,
      `connect-${tag}-dbz`,
      topic,
      n,
      async () => (await c.status())?.tasks?.[0]?.state === 'RUNNING',
    );
    rows.push({
      sink: 'Debezium JDBC sink 3.4.0 (Kafka Connect 4.3.1)',
      'rows/s': Math.round(n / s),
      seconds: s.toFixed(1),
      'peak RSS MiB': (peakRss(c.pid) / 1048576).toFixed(0),
    });
    c.stop();
  } finally {
    await sleep(2000);
    await theirs.client.end();
    await dropDatabase(theirs.name);
  }
  return rows;
}
