// A full disk (a real ENOSPC on a small tmpfs) while the file sink writes: after the restart no torn line remains.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { plugins } from '@tributary/connector-file';
import { ConnectorTestDriver, SinkRecordFactory } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('file sink on a full disk', () => {
  const mount = mkdtempSync(path.join(os.tmpdir(), 'tributary-full-disk-'));
  beforeAll(() => {
    // A 1 MiB filesystem of the test's own (the test machines run as root).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
  });
  afterAll(() => {
    execFileSync('umount', ['-l', mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it('leaves only whole lines: the torn write is dropped on restart and the replayed records follow it', async () => {
    const file = path.join(mount, 'out.txt');
    const filler = path.join(mount, 'filler');
    const tp = { topic: 'orders', partition: 0 };
    const values = Array.from({ length: 4000 }, (_, i) => `record-${String(i).padStart(6, '0')}-${'x'.repeat(80)}`);

    const first = ConnectorTestDriver.sink(plugins[1]!);
    await first.start({ file, topics: 'orders' });
    const task = await first.startTask(0, { assignment: [tp] });
    // Fill the filesystem, then free less room than the records need.
    const fd = openSync(filler, 'w');
    try {
      for (;;) writeSync(fd, Buffer.alloc(16 * 1024));
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    truncateSync(filler, Math.max(0, statSync(filler).size - 100 * 1024));
    const records = new SinkRecordFactory({ topic: 'orders' });
    const error = await (async () => {
      for (let i = 0; i < values.length; i += 500) await task.put(records.values(values.slice(i, i + 500)));
      await task.commitOffsets();
    })().then(
      () => null,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(error?.code ?? String(error)).toMatch(/ENOSPC/);
    await first.stop().catch(() => undefined);
    const torn = readFileSync(file, 'utf8');
    // The disk filled mid-write: what is there does not end at a line boundary.
    expect(torn.length).toBeGreaterThan(0);
    expect(torn.endsWith('\n')).toBe(false);

    // Space again; the task restarts and the runtime redelivers from the last committed offset (none here).
    rmSync(filler);
    const second = ConnectorTestDriver.sink(plugins[1]!);
    await second.start({ file, topics: 'orders' });
    const again = await second.startTask(0, { assignment: [tp] });
    const replay = new SinkRecordFactory({ topic: 'orders' });
    for (let i = 0; i < values.length; i += 500) await again.put(replay.values(values.slice(i, i + 500)));
    await again.commitOffsets();
    await second.stop();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const valid = new Set(values);
    expect(lines.filter((l) => !valid.has(l))).toEqual([]);
    expect(lines.slice(-values.length)).toEqual(values);
  }, 60_000);
});
