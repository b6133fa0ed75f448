/** The exceptions the runtime tells apart (ConnectException, RetriableException, DataException, ConfigException, NotReadyException …). */
import { brand } from './brand.js';

/** Base of every error the runtime understands; mirrors org.apache.kafka.connect.errors.ConnectException. */
export class ConnectException extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A failure that may succeed when retried (errors.retry.timeout applies to these only). */
export class RetriableException extends ConnectException {}

/** Data that does not fit its schema or cannot be converted. */
export class DataException extends ConnectException {}

/** A schema that is not what an operation needs. */
export class SchemaBuilderException extends DataException {}

/** Raised when a record is ill-formed for a converter or transform. */
export class SerializationException extends DataException {}

/** A field-by-field configuration failure; the REST layer turns it into a 400 naming each field. */
export class ConfigException extends ConnectException {
  readonly errors: Readonly<Record<string, readonly string[]>>;
  constructor(errors: Record<string, readonly string[]> | string, message?: string) {
    const map = typeof errors === 'string' ? { '': [errors] } : errors;
    const text =
      message ??
      Object.entries(map)
        .map(([k, v]) => (k ? `${k}: ${v.join('; ')}` : v.join('; ')))
        .join(', ');
    super(text);
    this.errors = map;
  }
}

/** Thrown where a plugin or API is asked for something it does not implement. */
export class NotFoundException extends ConnectException {}

/**
 * Thrown by a synchronous stage (a converter) that needs I/O first — a schema registry lookup on a
 * cache miss. The runtime awaits `ready` and runs the stage again; this is not a failure. When `ready`
 * rejects, the rejection is the stage's error and goes through errors.* (retried while retriable).
 */
export class NotReadyException extends ConnectException {
  readonly ready: Promise<void>;
  constructor(message: string, ready: Promise<void>) {
    super(message);
    this.ready = ready;
    // The runtime awaits it; a rejection nobody awaited yet must not crash the process.
    ready.catch(() => undefined);
  }
}

// Thrown by a plugin with its own copy of the SDK, these must still be told apart by the runtime (retries, 400s).
brand(ConnectException, 'ConnectException');
brand(RetriableException, 'RetriableException');
brand(DataException, 'DataException');
brand(SchemaBuilderException, 'SchemaBuilderException');
brand(SerializationException, 'SerializationException');
brand(ConfigException, 'ConfigException');
brand(NotFoundException, 'NotFoundException');
brand(NotReadyException, 'NotReadyException');
