/** Confluent Schema Registry's REST errors: one catalog of error codes and their messages, as the Java registry words them. */

/** A REST error: the HTTP status is the error code's first three digits, the body `{error_code, message}`. */
export class RegistryError extends Error {
  readonly errorCode: number;

  constructor(errorCode: number, message: string) {
    super(message);
    this.errorCode = errorCode;
  }

  get status(): number {
    return this.errorCode < 1000 ? this.errorCode : Math.floor(this.errorCode / 100);
  }

  body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const errors = {
  subjectNotFound: (s: string) => new RegistryError(40401, `Subject '${s}' not found.`),
  versionNotFound: (v: number | string) => new RegistryError(40402, `Version ${v} not found.`),
  schemaNotFound: (id?: number) =>
    new RegistryError(40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`),
  subjectSoftDeleted: (s: string) =>
    new RegistryError(40404, `Subject '${s}' was soft deleted.Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (s: string) =>
    new RegistryError(40405, `Subject '${s}' was not deleted first before being permanently deleted`),
  versionSoftDeleted: (s: string, v: number) =>
    new RegistryError(40406, `Subject '${s}' Version ${v} was soft deleted.Set permanent=true to delete permanently`),
  versionNotSoftDeleted: (s: string, v: number) =>
    new RegistryError(40407, `Subject '${s}' Version ${v} was not deleted first before being permanently deleted`),
  subjectConfigNotFound: (s: string) =>
    new RegistryError(40408, `Subject '${s}' does not have subject-level compatibility configured`),
  subjectModeNotFound: (s: string) =>
    new RegistryError(40409, `Subject '${s}' does not have subject-level mode configured`),
  incompatible: (subject: string, messages: string[]) =>
    new RegistryError(
      409,
      `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(', ')}]`,
    ),
  invalidSchema: (reason: string) => new RegistryError(42201, `Invalid schema: ${reason}`),
  invalidVersion: (v: string) =>
    new RegistryError(
      42202,
      `The specified version '${v}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    ),
  invalidCompatibility: () =>
    new RegistryError(
      42203,
      'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive',
    ),
  invalidMode: (m: string) =>
    new RegistryError(42204, `Invalid mode ${m}. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT`),
  operationNotPermitted: (message: string) => new RegistryError(42205, message),
  referenceExists: (s: string, v: number) =>
    new RegistryError(42206, `One or more references exist to the schema {subject=${s}, version=${v}}.`),
  idInUse: (id: number) => new RegistryError(42207, `Overwrite new schema with id ${id} is not permitted.`),
  invalidRequest: (message: string) => new RegistryError(42201, message),
  storeError: (message: string) => new RegistryError(50001, `Error in the backend data store - ${message}`),
  timeout: (message: string) => new RegistryError(50002, `Operation timed out - ${message}`),
  forwardingFailed: (message: string) =>
    new RegistryError(50003, `Error while forwarding the request to the leader: ${message}`),
  unknownLeader: () => new RegistryError(50004, 'Unknown leader: no writer is elected yet, retry'),
} as const;
