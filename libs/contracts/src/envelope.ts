import { z } from 'zod';

/** Every subject lives under this prefix; the JetStream stream captures all of it. */
export const SUBJECT_PREFIX = 'countersign';
export const STREAM_NAME = 'COUNTERSIGN';
export const STREAM_SUBJECTS = [`${SUBJECT_PREFIX}.>`] as const;

export const ActorKind = z.enum(['user', 'agent', 'pipeline', 'service']);
export type ActorKind = z.infer<typeof ActorKind>;

/** Who caused an event. For requests it is the verified token subject, never a body field. */
export const Actor = z.object({
  kind: ActorKind,
  id: z.string().min(1).max(256),
  issuer: z.string().min(1).max(512).optional(),
});
export type Actor = z.infer<typeof Actor>;

export const EventId = z.uuid({ version: 'v7' });

/** `base64url(header)..base64url(signature)`: the payload part is empty (detached, RFC 7515 appendix F). */
export const EventSignature = z.string().max(1024).regex(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/, 'a detached compact JWS (header..signature)');

export const EnvelopeBase = z.object({
  id: EventId,
  type: z.string().regex(/^[a-z][a-z_]*\.[a-z][a-z_]*$/),
  version: z.number().int().positive(),
  /** Null only for events that belong to no intent (policy reloads, checkpoints, rejections). */
  intentId: z.uuid().nullable(),
  occurredAt: z.iso.datetime({ offset: false }),
  actor: Actor,
  /** The event this one was caused by; lets audit reconstruct causality without timestamps. */
  causationId: EventId.optional(),
  /**
   * The emitting service's signature: a detached compact JWS (`header..signature`, alg EdDSA, `kid` in
   * the header) over the RFC 8785 form of the envelope's signed view (see event-owners.ts). Set by the
   * publisher, checked by every consumer before its handler runs.
   */
  signature: EventSignature.optional(),
});

export interface EventDefinition<
  T extends string = string,
  V extends number = number,
  S extends z.ZodType = z.ZodType,
> {
  readonly type: T;
  readonly version: V;
  /**
   * Plain string for the general case: tsc matches `countersign.${string}.v${number}` without
   * backtracking, so a type such as `review.vote_cast` (".v" inside it) would not fit the pattern.
   */
  readonly subject: string extends T ? string : `${typeof SUBJECT_PREFIX}.${T}.v${V}`;
  readonly schema: S;
}

export function defineEvent<T extends string, V extends number, D extends z.ZodType>(
  type: T,
  version: V,
  data: D,
) {
  const schema = EnvelopeBase.extend({
    type: z.literal(type),
    version: z.literal(version),
    data,
  });
  const subject = `${SUBJECT_PREFIX}.${type}.v${version}` as const;
  // No `satisfies EventDefinition` here: with T still generic tsc cannot resolve the conditional subject type;
  // every definition is checked against EventDefinition where ALL_EVENTS is indexed.
  return { type, version, subject, schema };
}

export type EventOf<D extends EventDefinition> = z.infer<D['schema']>;
export type EventDataOf<D extends EventDefinition> = EventOf<D> extends { data: infer X } ? X : never;
