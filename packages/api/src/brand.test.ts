import { describe, expect, it, vi } from 'vitest';
import * as one from './index.js';

/** A second, independent copy of the SDK's modules, as a plugin with its own node_modules brings. */
async function secondCopy(): Promise<typeof one> {
  vi.resetModules();
  return (await import('./index.js')) as typeof one;
}

describe('brands across two copies of the SDK', () => {
  it('recognises Structs, schemas and decimals of the other copy', async () => {
    const two = await secondCopy();
    expect(two.Struct).not.toBe(one.Struct);
    const schema = two.SchemaBuilder.struct().name('s').field('price', two.Decimal.schema(2)).build();
    const struct = new two.Struct(schema).put('price', new two.BigDecimal(125n, 2));
    expect(struct instanceof one.Struct).toBe(true);
    expect(struct.get('price') instanceof one.BigDecimal).toBe(true);
    expect(schema instanceof one.ConnectSchema).toBe(true);
    // The first copy validates and compares the second copy's values.
    expect(() => one.validateValue(schema, struct)).not.toThrow();
    const mine = new one.Struct(schema).put('price', new one.BigDecimal(125n, 2));
    expect(mine.equals(struct)).toBe(true);
    expect(struct.equals(mine)).toBe(true);
    expect({ schema, get: () => null } instanceof one.Struct).toBe(false);
    expect((null as unknown) instanceof one.Struct).toBe(false);
    // As ordinary instanceof: a class's prototype is no instance of it, a subclass's prototype is.
    expect(one.Struct.prototype instanceof one.Struct).toBe(false);
    expect(two.Struct.prototype instanceof one.Struct).toBe(false);
    expect(two.SinkTask.prototype instanceof one.SinkTask).toBe(false);
    class Mine extends two.SinkTask {
      version(): string {
        return '1';
      }
      start(): void {}
      stop(): void {}
      put(): void {}
    }
    expect(Mine.prototype instanceof one.SinkTask).toBe(true);
  });

  it('tells exceptions of the other copy apart by class, parents included', async () => {
    const two = await secondCopy();
    const retriable = new two.RetriableException('again');
    expect(retriable instanceof one.RetriableException).toBe(true);
    expect(retriable instanceof one.ConnectException).toBe(true);
    expect(retriable instanceof Error).toBe(true);
    expect(retriable instanceof one.DataException).toBe(false);
    expect(new two.SchemaBuilderException('x') instanceof one.DataException).toBe(true);
    const config = new two.ConfigException({ port: ['not a number'] });
    expect(config instanceof one.ConfigException && config.errors).toEqual({ port: ['not a number'] });
  });

  it('leaves instanceof of a connector’s own subclasses as it is', async () => {
    const two = await secondCopy();
    class TableMissing extends one.ConnectException {}
    expect(new TableMissing('t') instanceof TableMissing).toBe(true);
    expect(new one.ConnectException('c') instanceof TableMissing).toBe(false);
    expect(new two.ConnectException('c') instanceof TableMissing).toBe(false);
    expect(new TableMissing('t') instanceof two.ConnectException).toBe(true);
  });

  it('recognises records and headers of the other copy', async () => {
    const two = await secondCopy();
    const r = new two.SinkRecord({ topic: 't', kafkaPartition: 0, kafkaOffset: 1 });
    expect(r instanceof one.SinkRecord).toBe(true);
    expect(r instanceof one.ConnectRecord).toBe(true);
    expect(r instanceof one.SourceRecord).toBe(false);
    expect(r.headers instanceof one.Headers).toBe(true);
    expect(new two.Password('s') instanceof one.Password).toBe(true);
  });
});
