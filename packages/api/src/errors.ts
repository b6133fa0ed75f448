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
