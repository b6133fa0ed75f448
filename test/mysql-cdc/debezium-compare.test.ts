// The side-by-side comparison with the real Debezium MariaDB connector (scripts/debezium/compare-mariadb.mjs) as a test: 0 differences.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaBootstrap } from '../helpers.js';

const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/debezium/compare-mariadb.mjs');

describe('compared with Debezium 3.4 MariaDbConnector in Kafka Connect 4.3.1', () => {
  // '' is Debezium's default: the history keeps the tables and databases that are not captured too.
  it.each([[''], ['tables'], ['databases']])(
    'writes the same change, schema change, transaction and schema history records, DDL mid-stream included (store.only.captured: %s)',
    async (only) => {
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve) => {
          const child = spawn(process.execPath, [SCRIPT, ...(only ? [`--only-captured=${only}`] : [])], {
            env: { ...process.env, KAFKA_BOOTSTRAP: kafkaBootstrap().join(',') },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          let err = '';
          child.stdout.on('data', (b: Buffer) => (out += b.toString()));
          child.stderr.on('data', (b: Buffer) => (err += b.toString()));
          child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
        },
      );
      const summary = /(\d+) Debezium events, (\d+) of ours; (\d+) distinct difference/.exec(stdout);
      expect(summary, `${stdout}\n${stderr.slice(-4000)}`).not.toBeNull();
      const [, dbz, ours, differences] = summary!.map(Number);
      // Snapshot, 25 statements streamed, the history: far more than a handful of events on each side.
      expect(dbz).toBeGreaterThan(100);
      expect({ ours, differences, code }, stdout).toEqual({ ours: dbz, differences: 0, code: 0 });
    },
    600_000,
  );
});
