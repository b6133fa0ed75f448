import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigException } from './errors.js';
import {
  ConfigKeys,
  type ConfigOf,
  defineConfig,
  type SourceRecord,
  type SourceTaskContext,
  TypedSourceConnector,
  TypedSourceTask,
} from './index.js';

const spec = defineConfig({
  table: ConfigKeys.string({ importance: 'HIGH' }),
  'batch.size': ConfigKeys.int({ default: 100 }),
});

class Task extends TypedSourceTask<typeof spec, { table: string }, { id: number }> {
  protected readonly configDef = spec;
  started: ConfigOf<typeof spec> | null = null;
  resumedFrom: { id: number } | null = null;
  version(): string {
    return '1';
  }
  async startWith(c: ConfigOf<typeof spec>): Promise<void> {
    this.started = c;
    this.resumedFrom = await this.committedOffset({ table: c.table });
  }
  async poll(): Promise<SourceRecord[]> {
    return [this.record({ topic: 't', sourcePartition: { table: this.config.table }, sourceOffset: { id: 1 } })];
  }
  stop(): void {}
}

const context = (offset: unknown): SourceTaskContext => ({
  configs: () => ({}),
  offsetStorageReader: { offset: async () => offset as never, offsets: async () => [] },
  transactionContext: null,
  logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child: () => context(0).logger },
});

describe('typed tasks and connectors', () => {
  it('hand the task its parsed config and typed committed offsets', async () => {
    const task = new Task();
    task.initialize(context({ id: 41 }));
    await task.start({ table: ' orders ', 'batch.size': '5' });
    expect(task.started).toEqual({ table: 'orders', 'batch.size': 5 });
    expect(task.resumedFrom).toEqual({ id: 41 });
    const [r] = await task.poll();
    expect(r!.sourcePartition).toEqual({ table: 'orders' });
  });

  it('report every bad key before startWith runs', async () => {
    const task = new Task();
    task.initialize(context(null));
    const err = (() => {
      try {
        task.start({ 'batch.size': 'five' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigException);
    expect(Object.keys((err as ConfigException).errors).sort()).toEqual(['batch.size', 'table']);
    expect(task.started).toBeNull();
  });

  it('give the connector its spec as config() and keep the raw props for task configs', () => {
    class Connector extends TypedSourceConnector<typeof spec> {
      protected readonly configDef = spec;
      seen: string | null = null;
      version(): string {
        return '1';
      }
      startWith(c: ConfigOf<typeof spec>): void {
        this.seen = c.table;
      }
      taskClass(): new () => Task {
        return Task;
      }
      taskConfigs(max: number): Record<string, string>[] {
        return Array.from({ length: max }, () => ({ ...this.props }));
      }
      stop(): void {}
    }
    const c = new Connector();
    expect(c.config()).toBe(spec);
    c.start({ table: 'orders' });
    expect(c.seen).toBe('orders');
    expect(c.taskConfigs(2)).toEqual([{ table: 'orders' }, { table: 'orders' }]);
  });

  it('compile, and the common mistakes do not (tsc --noEmit on typecheck/)', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const project = path.join(here, '../typecheck/tsconfig.json');
    // Every `@ts-expect-error` line there must fail to compile; one that compiles fails the run.
    const run = promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', project]);
    await expect(run).resolves.toMatchObject({ stdout: '' });
  }, 60_000);
});
