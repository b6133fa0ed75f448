/** REST error answers: RestError, Kafka Connect's error body and wording, and the mapping from thrown errors to status codes. */
import { ConfigException, NotFoundException } from '@tributary/api';
import type { z } from 'zod';
import { describe } from './schemas.js';

/** The body of every error answer, as Kafka Connect's ErrorMessage. */
export interface ErrorBody {
  error_code: number;
  message: string;
}

/**
 * An error raised by the REST layer itself, carrying the status it answers with. Errors from the
 * runtime (ConnectRestException and its subclasses) are recognised by their statusCode/errorCode
 * fields, so this package never needs the runtime's classes at run time.
 */
export class RestError extends Error {
  readonly statusCode: number;
  readonly errorCode: number;
  constructor(statusCode: number, message: string, errorCode: number = statusCode) {
    super(message);
    this.name = 'RestError';
    this.statusCode = statusCode;
    this.errorCode = errorCode;
  }
}

/** Jersey's wording for the framework-level answers, which Kafka Connect passes through. */
export const HTTP_REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

export function httpError(status: number): RestError {
  return new RestError(status, `HTTP ${status} ${HTTP_REASONS[status] ?? ''}`.trim());
}

interface CodedError {
  statusCode: number;
  errorCode: number;
  message: string;
}

function isCodedError(e: unknown): e is CodedError {
  if (!(e instanceof Error)) return false;
  const c = e as Error & { statusCode?: unknown; errorCode?: unknown };
  return typeof c.statusCode === 'number' && typeof c.errorCode === 'number';
}

function isConfigException(e: unknown): e is ConfigException {
  if (e instanceof ConfigException) return true;
  // A second copy of @tributary/api (a built dist next to sources) still carries the same shape.
  return e instanceof Error && e.name === 'ConfigException' && typeof (e as { errors?: unknown }).errors === 'object';
}

/**
 * Kafka Connect answers an invalid connector config with a 400 listing every error; each line
 * names the field. Reasons that already name their field (Kafka's "Invalid value x for
 * configuration k: …", "Missing required configuration "k" …") are kept as they are.
 */
export function configErrorMessage(e: ConfigException): string {
  const lines: string[] = [];
  for (const [field, reasons] of Object.entries(e.errors)) {
    for (const reason of reasons) lines.push(!field || reason.includes(field) ? reason : `${field}: ${reason}`);
  }
  if (lines.length === 0) return e.message;
  return (
    `Connector configuration is invalid and contains the following ${lines.length} error(s):\n${lines.join('\n')}\n` +
    'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`'
  );
}

/** Maps anything thrown while serving a request to a status and Kafka Connect's error body. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (isCodedError(err)) return { status: err.statusCode, body: { error_code: err.errorCode, message: err.message } };
  if (isConfigException(err)) return { status: 400, body: { error_code: 400, message: configErrorMessage(err) } };
  if (err instanceof NotFoundException) return { status: 404, body: { error_code: 404, message: err.message } };
  if (err instanceof Error) {
    // fastify's own errors (body parsing, content type, body size) carry a 4xx statusCode.
    const status = (err as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { status, body: { error_code: status, message: frameworkMessage(err, status) } };
    }
    return { status: 500, body: { error_code: 500, message: err.message } };
  }
  return { status: 500, body: { error_code: 500, message: String(err) } };
}

function frameworkMessage(err: Error, status: number): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return `HTTP 415 Unsupported Media Type`;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return `HTTP 413 Request Entity Too Large`;
  if (err instanceof SyntaxError) return `Request body is not valid JSON: ${err.message}`;
  return err.message || (HTTP_REASONS[status] ?? `HTTP ${status}`);
}

/**
 * A 400 naming every field the body got wrong. `what` says what the body is ("Connector config",
 * "Request body"); paths inside it are quoted with dots between levels.
 */
export function validationError(what: string, error: z.ZodError): RestError {
  const parts = error.issues.map((iss) => {
    const path = iss.path.map(String).join('.');
    if (!path) {
      if (iss.code === 'invalid_type') return `${what} must be a JSON object, not ${describe(iss.input)}`;
      return `${what} ${iss.message}`;
    }
    if (iss.code === 'invalid_type' && iss.input === undefined)
      return `${what} is missing the required field "${path}"`;
    return `${what} field "${path}" ${iss.message}`;
  });
  return new RestError(400, parts.join('; '));
}
