// Writes one put() batch: per table one transaction of multi-row statements, auto.create/auto.evolve first, bad rows set aside for errors.*.
import { ConnectException, type Logger, type SinkRecord } from '@tributary/api';
import type { Column } from './columns.js';
import type { JdbcSinkConfig } from './config.js';
import type { DbSession, Dialect, ExistingColumn, TableDescription } from './dialect.js';
import { type Operation, type TableId, tableKey } from './records.js';

type WriteOp = Extract<Operation, { kind: 'write' }>;
type DeleteOp = Extract<Operation, { kind: 'delete' }>;
type TableOp = WriteOp | DeleteOp | Extract<Operation, { kind: 'truncate' }>;

/** A record the database refused, with the error to report through errors.*. */
export interface RejectedRecord {
  readonly record: SinkRecord;
  readonly error: Error;
}

/** Consecutive operations one statement can carry: same kind, same columns, no key twice. */
interface Run {
  readonly kind: 'write' | 'delete' | 'truncate';
  readonly columns: readonly string[];
  readonly ops: TableOp[];
  readonly keys: Set<string>;
}

const where = (r: SinkRecord): string => `${r.topic}-${r.kafkaPartition}@${r.kafkaOffset}`;

/** Keeps table descriptions between batches; a table's entry is dropped when its DDL or a statement fails. */
export class TableWriter {
  readonly #dialect: Dialect;
  readonly #config: JdbcSinkConfig;
  readonly #log: Logger;
  readonly #tables = new Map<string, TableDescription>();

  constructor(dialect: Dialect, config: JdbcSinkConfig, logger: Logger) {
    this.#dialect = dialect;
    this.#config = config;
    this.#log = logger;
  }

  /** Forgets what is known about tables (after a reconnect). */
  reset(): void {
    this.#tables.clear();
  }

  /**
   * Writes one table's operations in one transaction and commits it. Rows refused for their data are
   * returned (after the commit) rather than thrown; anything else throws with the failing record's place.
   */
  async write(session: DbSession, table: TableId, ops: readonly TableOp[]): Promise<RejectedRecord[]> {
    const d = this.#dialect;
    const desc = await this.#prepare(session, table, ops);
    if (desc === null) {
      // No table and nothing that could create it: deletes and truncates of a table that does not exist change nothing.
      this.#log.debug({ table: tableKey(table), records: ops.length }, 'table does not exist; deletes skipped');
      return [];
    }
    // First without savepoints (two round trips fewer per statement); only when a row is refused is the
    // transaction rolled back and written again statement by statement under savepoints, to set that row aside.
    const runs = [...this.#runs(ops)];
    try {
      return await this.#transaction(session, table, desc, runs, false);
    } catch (e) {
      if (!(e instanceof RowRefused)) throw e;
      this.#log.debug(
        { table: tableKey(table), err: d.describeError(e.cause) },
        'a row was refused; writing the batch row by row where needed',
      );
      return await this.#transaction(session, table, desc, runs, true);
    }
  }

  async #transaction(
    session: DbSession,
    table: TableId,
    desc: TableDescription,
    runs: readonly Run[],
    careful: boolean,
  ): Promise<RejectedRecord[]> {
    const rejected: RejectedRecord[] = [];
    await session.execute(this.#dialect.begin());
    try {
      for (const run of runs) await this.#executeRun(session, table, desc, run, rejected, careful);
      await session.execute('COMMIT');
    } catch (e) {
      await session.execute('ROLLBACK').catch(() => undefined);
      if (!(e instanceof RowRefused)) this.#tables.delete(tableKey(table));
      throw e;
    }
    return rejected;
  }

  /** The table's description after auto.create / auto.evolve, or null when it is missing and only deletes came. */
  async #prepare(session: DbSession, table: TableId, ops: readonly TableOp[]): Promise<TableDescription | null> {
    const d = this.#dialect;
    const k = tableKey(table);
    let desc = this.#tables.get(k) ?? (await d.describe(session, table));
    const writes = ops.filter((o): o is WriteOp => o.kind === 'write');
    if (desc === null) {
      if (writes.length === 0) return null;
      if (!this.#config.autoCreate)
        throw new ConnectException(
          `Table ${tableKey(table)} is missing and auto.create is disabled (first record ${where(writes[0]!.record)})`,
        );
      const first = writes[0]!;
      const values = unionColumns(writes.map((w) => w.values));
      const sql = d.createTable(table, first.key, values);
      this.#log.info({ table: k, sql }, 'creating table (auto.create)');
      await session.execute(sql);
      desc = await d.describe(session, table);
      if (desc === null) throw new ConnectException(`Table ${k} was created but cannot be found afterwards`);
    }
    if (!this.#config.tableTypes.includes(desc.type))
      throw new ConnectException(
        `${k} is a ${desc.type}; table.types allows only ${this.#config.tableTypes.join(', ')}`,
      );
    const missing = new Map<string, Column>();
    // Records of one topic mostly share their columns: each distinct column set is checked once.
    const checked = new Set<string>();
    for (const w of writes) {
      const sig = signature(w);
      if (checked.has(sig)) continue;
      checked.add(sig);
      for (const col of w.key)
        if (!findColumn(desc, d.fold(col.name)))
          throw new ConnectException(
            `Table ${k} has no column ${col.name} for the primary key of record ${where(w.record)}; auto.evolve adds value columns only, never key columns`,
          );
      for (const col of w.values)
        if (!findColumn(desc, d.fold(col.name)) && !missing.has(col.name)) missing.set(col.name, col);
    }
    if (missing.size > 0) {
      const first = writes.find((w) => w.values.some((v) => missing.has(v.name)))!;
      if (!this.#config.autoEvolve)
        throw new ConnectException(
          `Table ${k} has no column(s) ${[...missing.keys()].join(', ')} needed by record ${where(first.record)} and auto.evolve is disabled`,
        );
      for (const col of missing.values()) {
        const sql = d.addColumn(table, col);
        this.#log.info({ table: k, sql }, 'adding column (auto.evolve)');
        try {
          await session.execute(sql);
        } catch (e) {
          if (!d.isDuplicateColumn(e)) throw e;
        }
      }
      desc = await d.describe(session, table);
      if (desc === null) throw new ConnectException(`Table ${k} disappeared while it was altered`);
    }
    this.#tables.set(k, desc);
    return desc;
  }

  /** Splits ops into runs; with use.reduction.buffer, only the last change per key (between truncates) is kept. */
  *#runs(all: readonly TableOp[]): Generator<Run> {
    let ops: readonly TableOp[] = all;
    if (this.#config.reductionBuffer && this.#config.pkMode !== 'none') ops = reduce(all);
    // Without the buffer, changes are written in their order: a key may change several times in a batch.
    let run: Run | null = null;
    let runSig = '';
    let limit = 1;
    for (const op of ops) {
      const sig = op.kind === 'truncate' ? '' : `${op.kind}\u0001${signature(op)}`;
      const key = op.kind === 'truncate' ? '' : keyOf(op.key);
      const fits =
        run !== null &&
        op.kind !== 'truncate' &&
        sig === runSig &&
        run.ops.length < limit &&
        (key === '' || !run.keys.has(key));
      if (!fits) {
        if (run) yield run;
        const columns =
          op.kind === 'write'
            ? [...op.key, ...op.values].map((c) => c.name)
            : op.kind === 'delete'
              ? op.key.map((c) => c.name)
              : [];
        run = { kind: op.kind, columns, ops: [], keys: new Set() };
        runSig = sig;
        limit = this.#rowsPerStatement(columns.length);
      }
      run!.ops.push(op);
      if (key !== '') run!.keys.add(key);
    }
    if (run) yield run;
  }

  #rowsPerStatement(columns: number): number {
    if (this.#config.insertMode === 'update') return 1;
    return Math.max(
      1,
      Math.min(this.#config.batchSize, Math.floor(this.#dialect.maxParameters / Math.max(1, columns))),
    );
  }

  async #executeRun(
    session: DbSession,
    table: TableId,
    desc: TableDescription,
    run: Run,
    rejected: RejectedRecord[],
    careful: boolean,
  ): Promise<void> {
    const d = this.#dialect;
    if (run.kind === 'truncate') {
      await session.execute(d.truncate(table));
      return;
    }
    const stmt = this.#statement(table, desc, run.ops);
    if (!careful) {
      try {
        await session.execute(stmt.sql, stmt.params);
        return;
      } catch (e) {
        if (d.classify(e) === 'record') throw new RowRefused(e);
        throw this.#fail(table, run.ops[0]!.record, e, run.ops.length);
      }
    }
    await session.execute(d.savepoint('batch'));
    try {
      await session.execute(stmt.sql, stmt.params);
      await session.execute(d.release('batch'));
      return;
    } catch (e) {
      if (d.classify(e) !== 'record') throw this.#fail(table, run.ops[0]!.record, e, run.ops.length);
      await session.execute(d.rollbackTo('batch'));
    }
    // One row refused the whole statement: find which, row by row, and write the others.
    for (const op of run.ops) {
      const one = this.#statement(table, desc, [op]);
      await session.execute(d.savepoint('row'));
      try {
        await session.execute(one.sql, one.params);
        await session.execute(d.release('row'));
      } catch (e) {
        if (d.classify(e) !== 'record') throw this.#fail(table, op.record, e, 1);
        await session.execute(d.rollbackTo('row'));
        rejected.push({ record: op.record, error: this.#rowError(table, op.record, e) });
      }
    }
  }

  #statement(table: TableId, desc: TableDescription, ops: readonly TableOp[]): { sql: string; params: unknown[] } {
    const d = this.#dialect;
    const tz = this.#config.timeZone;
    const first = ops[0]!;
    const bindAll = (cols: readonly Column[], params: unknown[]): void => {
      for (const c of cols) params.push(d.bind(c, findColumn(desc, d.fold(c.name)), tz));
    };
    const name = (c: Column): string => findColumn(desc, d.fold(c.name))?.name ?? d.fold(c.name);
    const params: unknown[] = [];
    if (first.kind === 'delete') {
      for (const op of ops) bindAll((op as DeleteOp).key, params);
      return { sql: d.delete(table, first.key.map(name), ops.length), params };
    }
    const w = first as WriteOp;
    if (this.#config.insertMode === 'update') {
      bindAll(w.values, params);
      bindAll(w.key, params);
      if (w.values.length === 0) return { sql: 'SELECT 1', params: [] };
      return { sql: d.update(table, w.key.map(name), w.values.map(name)), params };
    }
    for (const op of ops) {
      const wo = op as WriteOp;
      bindAll(wo.key, params);
      bindAll(wo.values, params);
    }
    const columns = [...w.key, ...w.values].map(name);
    const conflict = this.#config.insertMode === 'upsert' ? w.key.map(name) : null;
    return { sql: d.insert(table, columns, ops.length, conflict), params };
  }

  /** A statement error that is not about one row's data: the task fails with it (or the table batch is retried). */
  #fail(table: TableId, record: SinkRecord, e: unknown, rows: number): Error {
    const cls = this.#dialect.classify(e);
    const msg = `Writing ${rows} row(s) to ${tableKey(table)} failed at record ${where(record)}: ${this.#dialect.describeError(e)}`;
    return cls === 'transient' ? new TransientWriteError(msg, e) : new ConnectException(msg, { cause: e });
  }

  #rowError(table: TableId, record: SinkRecord, e: unknown): Error {
    return new ConnectException(
      `${tableKey(table)} refused record ${where(record)}: ${this.#dialect.describeError(e)}${
        /column|type|invalid input/i.test(String((e as Error).message)) ? ' (auto.evolve never retypes a column)' : ''
      }`,
      { cause: e },
    );
  }
}

/** A row refused the statement in the fast pass: the transaction is redone carefully. */
class RowRefused extends Error {
  constructor(override readonly cause: unknown) {
    super('a row was refused');
  }
}

/** A failure worth retrying the table's transaction for (connection lost, deadlock, serialization). */
export class TransientWriteError extends ConnectException {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

/** An existing column by exact name, then case-insensitively (MySQL and unquoted Postgres names). */
export function findColumn(desc: TableDescription, name: string): ExistingColumn | null {
  return (
    desc.columns.find((c) => c.name === name) ??
    desc.columns.find((c) => c.name.toLowerCase() === name.toLowerCase()) ??
    null
  );
}

function unionColumns(lists: readonly (readonly Column[])[]): Column[] {
  const out = new Map<string, Column>();
  for (const l of lists)
    for (const c of l) {
      const had = out.get(c.name);
      // A column is created NOT NULL only if every record of the batch says so; a typed value beats an inferred null.
      if (!had) out.set(c.name, c);
      else if ((had.value === null && c.value !== null) || (c.optional && !had.optional))
        out.set(c.name, {
          ...c,
          optional: had.optional || c.optional,
          type: had.value === null && c.value !== null ? c.type : had.type,
        });
    }
  return [...out.values()];
}

function keyOf(key: readonly Column[]): string {
  if (key.length === 1) {
    const v = key[0]!.value;
    return typeof v === 'object' && v !== null ? JSON.stringify(v) : `${typeof v}:${String(v)}`;
  }
  return JSON.stringify(key.map((k) => (typeof k.value === 'bigint' ? k.value.toString() : k.value)));
}

/** The names of an operation's columns, as one string: operations with equal signatures share a statement. */
function signature(op: WriteOp | DeleteOp): string {
  let s = '';
  for (const c of op.key) s += `${c.name}\u0000`;
  if (op.kind === 'write') for (const c of op.values) s += `\u0000${c.name}`;
  return s;
}

/** The last change per key; a truncate clears what came before it. */
function reduce(ops: readonly TableOp[]): TableOp[] {
  const head: TableOp[] = [];
  let latest = new Map<string, TableOp>();
  for (const op of ops) {
    if (op.kind === 'truncate') {
      latest = new Map();
      head.length = 0;
      head.push(op);
      continue;
    }
    const k = keyOf(op.key);
    // Re-inserting moves the key to the end: the kept change stays in the order of the last ones.
    latest.delete(k);
    latest.set(k, op);
  }
  // Every key appears once now, so order between keys does not matter: deletes, then writes grouped by their
  // columns, make the fewest statements.
  const rest = [...latest.values()];
  const deletes = rest.filter((o) => o.kind === 'delete');
  const writes = rest.filter((o) => o.kind === 'write');
  const byColumns = new Map<string, TableOp[]>();
  for (const w of writes) {
    const sig = signature(w);
    const list = byColumns.get(sig);
    if (list) list.push(w);
    else byColumns.set(sig, [w]);
  }
  return [...head, ...deletes, ...[...byColumns.values()].flat()];
}
