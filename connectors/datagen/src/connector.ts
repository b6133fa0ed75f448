/** The datagen source connector and task: mock records from an Avro schema on a schedule, resumable from their offsets (Confluent's DatagenConnector). */
import { randomBytes } from 'node:crypto';
import {
  type ConfigDef,
  type ConnectorValidation,
  type Field,
  Headers,
  type RawConfig,
  Schema,
  SourceConnector,
  type SourcePartition,
  SourceRecord,
  SourceTask,
  type Struct,
  type TaskConfig,
} from '@tributary/api';
import { datagenConfigDef, type DatagenSettings, parseDatagen, validateDatagen } from './config.js';
import { type Compiled, compile } from './generator.js';
import { Random } from './random.js';
import { VERSION } from './version.js';

export const TASK_ID = 'task.id';
export const TASK_GENERATION = 'task.generation';
export const CURRENT_ITERATION = 'current.iteration';
export const RANDOM_SEED = 'random.seed';

/** Most records one poll() returns; with max.interval=0 every poll returns this many. */
export const MAX_BATCH = 1000;
/** Once a task has generated its `iterations`, poll() idles this long between checks for stop(). */
const IDLE_MS = 1000;
/** How far generation may fall behind its schedule before the schedule restarts instead of bursting. */
const MAX_LAG_MS = 1000;

/**
 * Generates mock data following an Avro schema with avro-random-generator annotations, as
 * Confluent's kafka-connect-datagen: the same keys, quickstarts, record schemas, key field,
 * headers and per-task offsets, so a restarted task continues its iteration count and its
 * random sequence where the committed offset left it.
 */
export class DatagenConnector extends SourceConnector {
  #props: Readonly<Record<string, string>> = {};

  version(): string {
    return VERSION;
  }

  override config(): ConfigDef {
    return datagenConfigDef;
  }

  override validate(props: RawConfig): ConnectorValidation {
    return { configs: validateDatagen(props) };
  }

  start(props: Readonly<Record<string, string>>): void {
    const s = parseDatagen(props);
    this.#props = props;
    this.context.logger.info(
      {
        topic: s.topic,
        quickstart: s.quickstart?.name ?? null,
        iterations: s.iterations,
        maxIntervalMs: s.maxIntervalMs,
      },
      'datagen connector started',
    );
  }

  taskClass(): new () => DatagenTask {
    return DatagenTask;
  }

  /** One task per tasks.max, each with its own task.id, offsets and random stream. */
  taskConfigs(maxTasks: number): TaskConfig[] {
    return Array.from({ length: maxTasks }, (_, i) => ({ ...this.#props, [TASK_ID]: String(i) }));
  }

  stop(): void {}

  /** Offsets only hold the generator's own state, so any change (or reset) is fine. */
  override alterOffsets(): boolean {
    return true;
  }
}

export class DatagenTask extends SourceTask {
  #settings: DatagenSettings | null = null;
  #compiled: Compiled | null = null;
  #keyField: Field | null = null;
  #taskId = 0;
  #partition: SourcePartition = {};
  #generation = 0;
  /** Records this task has generated over all its lifetimes (the next record's current.iteration). */
  #count = 0;
  #random = new Random(0);
  #nextDue = 0;
  #stopped = false;
  #doneLogged = false;
  #wake: (() => void) | null = null;

  version(): string {
    return VERSION;
  }

  async start(props: Readonly<Record<string, string>>): Promise<void> {
    const s = parseDatagen(props);
    this.#settings = s;
    this.#stopped = false;
    this.#taskId = Number(props[TASK_ID] ?? 0);
    this.#partition = { [TASK_ID]: this.#taskId };
    this.#random =
      s.randomSeed !== null ? Random.fromSeed(s.randomSeed, this.#taskId) : new Random(randomBytes(4).readUInt32LE(0));
    const offset = await this.context.offsetStorageReader.offset(this.#partition);
    if (offset) {
      // The stored offset is the state after the last committed record: continue from it.
      this.#generation = Number(offset[TASK_GENERATION] ?? 0);
      this.#count = Number(offset[CURRENT_ITERATION] ?? 0);
      const seed = offset[RANDOM_SEED];
      if (typeof seed === 'number') this.#random = new Random(seed);
    }
    this.#compiled = compile(s.schema);
    this.#keyField = s.keyField !== null ? this.#compiled.schema.field(s.keyField) : null;
    this.#nextDue = Date.now() + this.#delay();
    this.context.logger.info(
      { taskId: this.#taskId, generation: this.#generation, iteration: this.#count, topic: s.topic },
      offset ? 'datagen task resuming from committed offset' : 'datagen task starting',
    );
  }

  async poll(): Promise<SourceRecord[] | null> {
    const s = this.#settings;
    if (!s || this.#stopped) return null;
    const remaining = s.iterations === null ? Number.POSITIVE_INFINITY : s.iterations - this.#count;
    if (remaining <= 0) {
      if (!this.#doneLogged) {
        this.context.logger.info(
          { iterations: s.iterations },
          `generated the configured ${s.iterations} records; idle until stopped`,
        );
        this.#doneLogged = true;
      }
      await this.#sleep(IDLE_MS);
      return null;
    }
    let n = Math.min(MAX_BATCH, remaining);
    if (s.maxIntervalMs > 0) {
      // Each record is due a random 0..max.interval ms after the previous one, as Confluent's
      // sleep per record; records already due go out together so the rate survives slow polls.
      const now = Date.now();
      if (this.#nextDue > now) {
        await this.#sleep(this.#nextDue - now);
        if (this.#stopped) return null;
      } else if (now - this.#nextDue > MAX_LAG_MS) {
        this.#nextDue = now;
      }
      const until = Date.now();
      let due = 0;
      while (due < n && this.#nextDue <= until) {
        due++;
        this.#nextDue += this.#delay();
      }
      n = Math.max(1, due);
    }
    const records = new Array<SourceRecord>(n);
    for (let i = 0; i < n; i++) records[i] = this.#next(s);
    return records;
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  #next(s: DatagenSettings): SourceRecord {
    const compiled = this.#compiled!;
    const iteration = this.#count;
    const value = compiled.generate({ random: this.#random, generation: iteration }) as Struct;
    const keyValue = this.#keyField ? value.get(this.#keyField) : null;
    const key = keyValue === null || keyValue === undefined ? '' : String(keyValue);
    this.#count++;
    const headers = new Headers()
      .add(TASK_GENERATION, this.#generation, Schema.INT64_SCHEMA)
      .add(TASK_ID, this.#taskId, Schema.INT64_SCHEMA)
      .add(CURRENT_ITERATION, iteration, Schema.INT64_SCHEMA);
    return new SourceRecord({
      sourcePartition: this.#partition,
      // What the next lifetime of this task restores: the next generation, count and random state.
      sourceOffset: {
        [TASK_GENERATION]: this.#generation + 1,
        [CURRENT_ITERATION]: this.#count,
        [RANDOM_SEED]: this.#random.state,
      },
      topic: s.topic,
      keySchema: Schema.STRING_SCHEMA,
      key,
      valueSchema: compiled.schema,
      value,
      headers,
    });
  }

  /** Time to the next record: uniform in [0, max.interval), independent of the data's random stream. */
  #delay(): number {
    return Math.random() * (this.#settings?.maxIntervalMs ?? 0);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
