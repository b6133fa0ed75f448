// Both connectors under the test driver: no worker and no Kafka. `npm test` builds and runs this file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigException, type SourceRecord, Struct } from '@tributary/api';
import { ConnectorTestDriver, InMemoryOffsetStore, SinkRecordFactory } from '@tributary/testkit';
import { plugins } from './index.js';
import { RECORD_SCHEMA } from './source.js';

const [source, sink] = plugins;
const seqs = (records: SourceRecord[]) => records.map((r) => (r.value as Struct).get('seq'));

describe('__Name__SourceConnector', () => {
  it('numbers its records and carries on after the last committed one', async () => {
    const driver = ConnectorTestDriver.source(source);
    await driver.start({ topic: 'records', 'interval.ms': '1', message: 'hi' });
    const task = await driver.startTask();
    const records = await task.poll({ count: 3 });
    assert.deepEqual(seqs(records), [0, 1, 2]);
    assert.equal((records[0]!.value as Struct).get('message'), 'hi');
    const restarted = await task.restart(); // commits offsets, stops, starts a new task
    assert.deepEqual(seqs(await restarted.poll({ count: 2 })), [3, 4]);
    await driver.stop();
  });

  it('starts from an offset an earlier run committed', async () => {
    const offsets = new InMemoryOffsetStore().put({ source: '__package__' }, { seq: 41 });
    const driver = ConnectorTestDriver.source(source, { offsets });
    await driver.start({ topic: 'records', 'interval.ms': '1' });
    const task = await driver.startTask();
    assert.deepEqual(seqs(await task.poll({ count: 1 })), [41]);
    await driver.stop();
  });

  it('refuses a config without a topic, naming every bad key', async () => {
    const driver = ConnectorTestDriver.source(source);
    await assert.rejects(driver.start({ 'interval.ms': 'soon' }), (e: unknown) => {
      assert.ok(e instanceof ConfigException);
      assert.deepEqual(Object.keys(e.errors).sort(), ['interval.ms', 'topic']);
      return true;
    });
  });
});

describe('__Name__SinkConnector', () => {
  it('writes every field of every record it was given once they are flushed', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), '__package__-')), 'out.jsonl');
    const driver = ConnectorTestDriver.sink(sink);
    await driver.start({ topics: 'records', file });
    const task = await driver.startTask(0, { assignment: [{ topic: 'records', partition: 0 }] });
    const factory = new SinkRecordFactory({ topic: 'records' });
    const at = new Date('2026-01-01T00:00:00Z');
    const value = (seq: number) => new Struct(RECORD_SCHEMA).put('seq', seq).put('message', 'hi').put('at', at);
    await task.put([0, 1].map((seq) => factory.record(value(seq), { valueSchema: RECORD_SCHEMA, key: String(seq) })));
    const committed = await task.commitOffsets();
    assert.deepEqual(committed, [{ topic: 'records', partition: 0, offset: 2 }]);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.value),
      [0, 1].map((seq) => ({ seq, message: 'hi', at: at.toISOString() })),
    );
    await driver.stop();
  });
});
