import type { z } from 'zod';
import type { Actor, EventDefinition } from './envelope.js';

export interface NewEvent<D> {
  /** UUIDv7. Comes from an injected id source so that callers can store and republish the same event. */
  id: string;
  occurredAt: Date;
  intentId: string | null;
  actor: Actor;
  data: D;
  causationId?: string;
}

export type EventInputData<Def extends EventDefinition> =
  z.input<Def['schema']> extends { data: infer X } ? X : never;

/** Builds and validates an envelope; throws a ZodError naming the bad field. */
export function createEvent<Def extends EventDefinition>(
  def: Def,
  input: NewEvent<EventInputData<Def>>,
): z.infer<Def['schema']> {
  return def.schema.parse({
    id: input.id,
    type: def.type,
    version: def.version,
    intentId: input.intentId,
    occurredAt: input.occurredAt.toISOString(),
    actor: input.actor,
    causationId: input.causationId,
    data: input.data,
  }) as z.infer<Def['schema']>;
}
