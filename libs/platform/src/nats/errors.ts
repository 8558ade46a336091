/**
 * Thrown by a handler to ask for a redelivery later; logged as a deferral, not as a crash.
 * A batch handler may name `eventIds`: only those are redelivered and the rest of the batch is acked,
 * so it must have committed the others (e.g. processOnceBatch on the ready ones, then throw).
 */
export class RetryLaterError extends Error {
  readonly code = 'RETRY_LATER';
  constructor(
    message: string,
    readonly delayMs?: number,
    readonly eventIds?: readonly string[],
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** The event names a type/version that no contract defines. */
export class UnknownEventTypeError extends Error {
  readonly code = 'EVENT_TYPE_UNKNOWN';
  constructor(readonly subject: string) {
    super(`no contract defines ${subject}`);
    this.name = 'UnknownEventTypeError';
  }
}

/** The event does not satisfy its contract; `reason` names the failing paths, never the values. */
export class InvalidEventError extends Error {
  readonly code = 'EVENT_INVALID';
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`${subject}: ${reason}`);
    this.name = 'InvalidEventError';
  }
}

/** The first connection to NATS failed; the message says how to get a server running. */
export class NatsUnavailableError extends Error {
  readonly code = 'NATS_UNAVAILABLE';
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(
      `cannot connect to NATS at ${url} (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Start a server with JetStream enabled, e.g. `nats-server -js -sd /tmp/nats` ' +
        '(or `docker compose up nats`), or point NATS_URL at one.',
      { cause },
    );
    this.name = 'NatsUnavailableError';
  }
}
