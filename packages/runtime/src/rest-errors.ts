/** The errors the REST API answers with: each carries its HTTP status and Kafka Connect's error_code (tolerance and dead letter queues are in errors/). */
import { ConnectException } from '@tributary/api';

/** An error with the HTTP status and error_code the REST API answers with ({"error_code","message"}). */
export class ConnectRestException extends ConnectException {
  readonly statusCode: number;
  readonly errorCode: number;
  constructor(statusCode: number, message: string, errorCode: number = statusCode) {
    super(message);
    this.statusCode = statusCode;
    this.errorCode = errorCode;
  }
}

export class NotFoundError extends ConnectRestException {
  constructor(message: string) {
    super(404, message);
  }
}

export class AlreadyExistsError extends ConnectRestException {
  constructor(message: string) {
    super(409, message);
  }
}

/** 409 while the cluster rebalances or no leader is known, with Kafka Connect's wording. */
export class RebalanceNeededError extends ConnectRestException {
  constructor(message = 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)') {
    super(409, message);
  }
}

export class BadRequestError extends ConnectRestException {
  constructor(message: string) {
    super(400, message);
  }
}

export class ForbiddenError extends ConnectRestException {
  constructor(message: string) {
    super(403, message);
  }
}
