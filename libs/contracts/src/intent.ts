import { z } from 'zod';
import { ActorKind } from './envelope.js';

/** Dotted verb such as `db.export` or `iam.role.grant`. */
export const Action = z
  .string()
  .min(3)
  .max(128)
  .regex(/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/, 'must be a dotted lower-case verb such as db.export');

const Token = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@*-]*$/, 'letters, digits and . _ : / @ * - only');

/** Tags are a set: sorted and unique so that the intent hash does not depend on their order. */
export const Tags = z
  .array(z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_:-]*$/, 'lower-case tag'))
  .max(32)
  .default([])
  .transform((tags) => [...new Set(tags)].sort());

export const Resource = z.strictObject({
  kind: z.string().min(1).max(64).regex(/^[a-z][a-z0-9_-]*$/, 'lower-case kind such as db'),
  id: Token,
  env: z.string().min(1).max(32).regex(/^[a-z][a-z0-9_-]*$/, 'lower-case env such as prod'),
  tags: Tags,
});
export type Resource = z.infer<typeof Resource>;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const JsonValue: z.ZodType<Json> = z.lazy(() =>
  z.union([
    z.string().max(8192),
    z.number().refine(Number.isFinite, 'must be a finite number'),
    z.boolean(),
    z.null(),
    z.array(JsonValue).max(256),
    z.record(z.string().max(128), JsonValue),
  ]),
);

/** Deeper than any real argument list; far below where a recursive parser would run out of stack. */
export const MAX_ARGS_DEPTH = 16;

/** Iterative on purpose: a 40 KB body of nested brackets must be a 400, not a stack overflow. */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > MAX_ARGS_DEPTH) return max;
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

export const Args = z
  .unknown()
  .refine((a) => depthOf(a) <= MAX_ARGS_DEPTH, `nested deeper than ${MAX_ARGS_DEPTH} levels`)
  .pipe(
    z
      .record(z.string().min(1).max(128), JsonValue)
      .refine((a) => Object.keys(a).length <= 64, 'at most 64 arguments'),
  );

/** What a caller sends. The requester is deliberately absent: intake takes it from the verified token. */
export const SubmitIntentRequest = z.strictObject({
  action: Action,
  resource: Resource,
  args: Args.default({}),
  justification: z.string().trim().min(1).max(2000),
  dedupeKey: z.string().min(1).max(128).optional(),
});
export type SubmitIntentRequest = z.infer<typeof SubmitIntentRequest>;

/** The verified identity behind a request, built by intake from token claims. */
export const Requester = z.object({
  kind: ActorKind,
  subject: z.string().min(1).max(256),
  issuer: z.string().min(1).max(512),
  groups: z.array(z.string().min(1).max(128)).max(64),
  /** The human who owns or launched an agent or pipeline; such a person may not approve its intents. */
  owner: z.string().min(1).max(256).optional(),
});
export type Requester = z.infer<typeof Requester>;

export const Intent = z.object({
  action: Action,
  resource: Resource,
  args: Args,
  justification: z.string().min(1).max(2000),
  requester: Requester,
  dedupeKey: z.string().min(1).max(128).optional(),
});
export type Intent = z.infer<typeof Intent>;

/** Lower-case hex SHA-256. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const IntentState = z.enum([
  'submitted',
  'allowed',
  'denied',
  'pending_review',
  'approved',
  'rejected',
  'expired',
  'withdrawn',
  'granted',
  'claimed',
  'redeemed',
  'grant_expired',
  'revoked',
]);
export type IntentState = z.infer<typeof IntentState>;

export const TERMINAL_STATES: readonly IntentState[] = [
  'denied',
  'rejected',
  'expired',
  'withdrawn',
  'redeemed',
  'grant_expired',
  'revoked',
];
