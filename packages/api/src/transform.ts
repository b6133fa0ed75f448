/** The Transformation and Predicate interfaces of single-message transforms (Kafka Connect's SMTs), and a base class for transforms. */
import { type ConfigDef, defineConfig } from './config.js';
import type { ConnectRecord } from './record.js';

/**
 * A single-message transform (Kafka Connect's Transformation). apply() returns the new record,
 * or null to drop it. Works for source and sink records alike through ConnectRecord.newRecord.
 */
export interface Transformation {
  configure(props: Readonly<Record<string, string>>): void;
  apply<R extends ConnectRecord>(record: R): R | null;
  config(): ConfigDef;
  close?(): void;
  version?(): string;
}

/** A condition attached to a transform with transforms.<alias>.predicate (and .negate). */
export interface Predicate {
  configure(props: Readonly<Record<string, string>>): void;
  test(record: ConnectRecord): boolean;
  config(): ConfigDef;
  close?(): void;
  version?(): string;
}

/** Convenience base for transforms with a ConfigDef. */
export abstract class BaseTransformation implements Transformation {
  abstract configure(props: Readonly<Record<string, string>>): void;
  abstract apply<R extends ConnectRecord>(record: R): R | null;
  config(): ConfigDef {
    return defineConfig({});
  }
  close(): void {}
}
