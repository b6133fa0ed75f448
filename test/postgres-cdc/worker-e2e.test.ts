import { distributedWorkerProps } from '@tributary/testkit';
import { type ConnectRuntime, type DistributedHerder, startDistributed } from '@tributary/runtime';
import { Kafka, type KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';
import { connectorProps, lsnValue, slotPosition, type TestDb, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function workerProps(name: string): Record<string, string> {
  return {
    ...distributedWorkerProps(name, kafkaBootstrap()),
    'offset.flush.interval.ms': '500',
    listeners: `http://127.0.0.1:${20000 + Math.floor(Math.random() * 20000)}`,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  };
}

async function startWorker(props: Record<string, string>): Promise<ConnectRuntime> {
  const rt = await startDistributed(props);
  await eventually(() => !(rt.herder as DistributedHerder).rebalancing, { what: 'first assignment' });
  return rt;
}

interface Event {
  key: { payload: Record<string, unknown> } | null;
  value: {
    schema: { name: string };
    payload: {
      op: string;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
      source: Record<string, unknown>;
    };
  } | null;
}

/** Reads a topic from the beginning with kafkajs (the independent client) until `until` holds. */
async function consume(topic: string, until: (events: Event[]) => boolean, timeoutMs = 60_000): Promise<Event[]> {
  const kafka = new Kafka({ clientId: 'pgcdc-check', brokers: kafkaBootstrap(), logLevel: 0 });
  const consumer = kafka.consumer({ groupId: unique('pgcdc-check') });
  const out: Event[] = [];
  await consumer.connect();
  try {
    await eventually(
      async () => {
        await consumer.subscribe({ topic, fromBeginning: true });
        return true;
      },
      { what: `topic ${topic}`, timeoutMs: 30_000 },
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${out.length} events in ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }: { message: KafkaMessage }) => {
          out.push({
            key: message.key ? JSON.parse(message.key.toString()) : null,
            value: message.value ? JSON.parse(message.value.toString()) : null,
          });
          if (until(out)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe('through a worker into Kafka', () => {
  it('delivers Debezium JSON, stores Debezium offsets, confirms the slot and resumes after a worker restart', async () => {
    const db: TestDb = await testDatabase('pgcdc_e2e');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL, qty int)');
    await db.sql("INSERT INTO orders VALUES (1, 'snap', 1)");
    const name = unique('pgcdc-e2e');
    const prefix = name.replace(/-/g, '_');
    const props = workerProps(name);
    let rt = await startWorker(props);
    cleanup.push(() => rt.stop());
    const connector: Record<string, string> = { ...connectorProps(db, { 'topic.prefix': prefix }), 'tasks.max': '1' };
    await rt.herder.putConnectorConfig('pg', connector, { allowReplace: false });
    await eventually(async () => (await rt.herder.connectorStatus('pg')).tasks[0]?.state === 'RUNNING', {
      what: 'task running',
    });
    const topic = `${prefix}.public.orders`;
    // RUNNING comes before the slot exists (the task creates it once started, and creating a slot waits for
    // every transaction open on the server); changes made before it would be in the snapshot instead of the
    // stream, so change nothing until the snapshot's row is in Kafka.
    await consume(topic, (e) => e.length >= 1);
    await db.sql("INSERT INTO orders VALUES (2, 'stream', 2)");
    await db.sql('UPDATE orders SET qty = 3 WHERE id = 2');
    await db.sql('DELETE FROM orders WHERE id = 1');
    const first = await consume(topic, (e) => e.length >= 5);
    expect(first.map((e) => e.value?.payload.op ?? 'tombstone')).toEqual(['r', 'c', 'u', 'd', 'tombstone']);
    expect(first[0]!.value!.schema.name).toBe(`${topic}.Envelope`);
    expect(first[1]!.value!.payload.after).toEqual({ id: 2, item: 'stream', qty: 2 });
    expect(first[1]!.value!.payload.source).toMatchObject({
      connector: 'postgresql',
      name: prefix,
      db: db.name,
      schema: 'public',
      table: 'orders',
      snapshot: 'false',
    });
    expect(first[4]!.key!.payload).toEqual({ id: 1 });

    // Offsets in the offset topic under Debezium's partition and keys; the slot follows them.
    await eventually(
      async () => {
        const o = await rt.herder.connectorOffsets('pg');
        return o.offsets.length === 1 && (o.offsets[0]!.offset as Record<string, unknown>).lsn_commit !== undefined;
      },
      { what: 'committed offsets' },
    );
    const offsets = (await rt.herder.connectorOffsets('pg')).offsets;
    expect(offsets[0]!.partition).toEqual({ server: prefix });
    expect(Object.keys(offsets[0]!.offset as object).sort()).toEqual([
      'event_serial_no',
      'lsn',
      'lsn_commit',
      'lsn_proc',
      'messageType',
      'ts_usec',
      'txId',
    ]);
    const committedLsn = BigInt((offsets[0]!.offset as { lsn_commit: number }).lsn_commit);
    await eventually(
      async () => {
        const p = await slotPosition(db, connector['slot.name']!);
        return p?.confirmed && lsnValue(p.confirmed) >= committedLsn;
      },
      { what: 'slot confirmed to the committed offset' },
    );

    // Graceful restart: everything was committed, nothing is sent twice.
    await rt.stop();
    cleanup.pop();
    await db.sql("INSERT INTO orders VALUES (3, 'after restart', 1)");
    rt = await startWorker(props);
    cleanup.push(() => rt.stop());
    const all = await consume(topic, (e) => e.some((x) => x.value?.payload.after?.id === 3));
    await new Promise((r) => setTimeout(r, 1000));
    expect(all.map((e) => e.value?.payload.op ?? 'tombstone')).toEqual(['r', 'c', 'u', 'd', 'tombstone', 'c']);
  }, 180_000);

  it('runs an incremental snapshot from a signal, keeps its progress in the offset topic and resumes it after a restart', async () => {
    const db: TestDb = await testDatabase('pgcdc_e2e_incr');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE big (id int PRIMARY KEY, payload text NOT NULL)');
    await db.sql('CREATE TABLE dbz_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data text)');
    await db.sql("INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
    const name = unique('pgcdc-e2e-incr');
    const prefix = name.replace(/-/g, '_');
    const props = workerProps(name);
    let rt = await startWorker(props);
    cleanup.push(() => rt.stop());
    const connector: Record<string, string> = {
      ...connectorProps(db, {
        'topic.prefix': prefix,
        'snapshot.mode': 'no_data',
        'signal.data.collection': 'public.dbz_signal',
        'incremental.snapshot.chunk.size': '200',
      }),
      'tasks.max': '1',
    };
    await rt.herder.putConnectorConfig('pg', connector, { allowReplace: false });
    await eventually(async () => (await rt.herder.connectorStatus('pg')).tasks[0]?.state === 'RUNNING', {
      what: 'task running',
    });
    // The pause rides in the same statement as the execute signal, so the stream reads it before the first
    // chunk's window closes: exactly one chunk is emitted, then the snapshot waits (as Debezium's does). A pause
    // sent after some progress could arrive after a fast snapshot had already reached its end.
    await db.sql(
      `INSERT INTO dbz_signal VALUES ('ad-hoc-1', 'execute-snapshot', '{"data-collections": ["public.big"], "type": "incremental"}'),
                                     ('pause-1', 'pause-snapshot', NULL)`,
    );
    let midway: Record<string, unknown> = {};
    let last = '';
    await eventually(
      async () => {
        const o = (await rt.herder.connectorOffsets('pg')).offsets[0]?.offset as Record<string, unknown>;
        // Paused and flushed: the position stops moving.
        const pos = JSON.stringify(o);
        const settled = pos === last && typeof o?.incremental_snapshot_primary_key === 'string';
        last = pos;
        midway = o;
        return settled;
      },
      { what: 'the paused position in the offset topic', timeoutMs: 30_000, intervalMs: 1500 },
    );
    await rt.stop();
    cleanup.pop();
    const stoppedAt = Number(JSON.parse(midway.incremental_snapshot_primary_key as string)[0]);
    expect(midway.incremental_snapshot_maximum_key).toBe('["20000"]');
    expect(stoppedAt).toBe(200);
    // Changed while the worker is down: both its streamed update and the snapshot must show the new value.
    await db.sql("UPDATE big SET payload = 'changed' WHERE id = 20000");
    rt = await startWorker(props);
    cleanup.push(() => rt.stop());
    const topic = `${prefix}.public.big`;
    const events = await consume(
      topic,
      (e) =>
        new Set(e.map((x) => x.value?.payload.after?.id)).size >= 20000 &&
        e.filter((x) => x.value?.payload.after?.id === 20000).length >= 2,
      120_000,
    );
    const snapshot = events.filter((e) => e.value?.payload.op === 'r');
    expect(snapshot.every((e) => e.value!.payload.source.snapshot === 'incremental')).toBe(true);
    const ids = snapshot.map((e) => e.value!.payload.after!.id as number);
    const duplicates = ids.length - new Set(ids).size;
    // A graceful stop flushes the offsets: only rows sent after the last flush can come again.
    expect(duplicates).toBeLessThanOrEqual(200);
    // Row 20000 changed while the worker was down: its streamed update and the snapshot agree on the new value.
    const row20000 = events.filter((e) => e.value?.payload.after?.id === 20000);
    expect(row20000.map((e) => [e.value!.payload.op, e.value!.payload.after!.payload])).toEqual([
      ['u', 'changed'],
      ['r', 'changed'],
    ]);
    await eventually(
      async () => {
        const o = (await rt.herder.connectorOffsets('pg')).offsets[0]?.offset as Record<string, unknown>;
        return o.incremental_snapshot_collections === undefined;
      },
      { what: 'the snapshot to leave the offsets when done' },
    );
    process.stderr.write(
      `[incremental e2e] 20000 rows through a worker restart at key ${stoppedAt}: ${duplicates} duplicates\n`,
    );
  }, 240_000);
});
