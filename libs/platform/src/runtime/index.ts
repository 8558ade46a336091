import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Side effects behind classes so that use cases can be tested with a fixed clock and fixed ids. */
export abstract class Clock {
  abstract now(): Date;
}
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

export abstract class IdGenerator {
  /** Time-ordered UUIDv7, used for events and entities. */
  abstract next(): string;
}
export class UuidV7Generator extends IdGenerator {
  next(): string {
    return uuidv7();
  }
}
/** Random v4 for values that must not reveal their creation time (jti, nonces). */
export function randomId(): string {
  return randomUUID();
}
