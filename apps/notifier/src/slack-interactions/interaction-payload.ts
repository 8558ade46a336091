import { z } from 'zod';
import { NotifierError } from '../errors/notifier-error.js';

const Id = z.string().min(1).max(64);
const User = z.object({ id: Id, team_id: Id.optional() });

/** A button click on a message (only the fields we use; Slack sends many more). */
export const BlockActions = z.object({
  type: z.literal('block_actions'),
  team: z.object({ id: Id }),
  user: User,
  trigger_id: z.string().min(1).max(256),
  channel: z.object({ id: Id }).optional(),
  container: z.object({ channel_id: Id.optional(), message_ts: z.string().max(64).optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).min(1),
});
export type BlockActions = z.infer<typeof BlockActions>;

const InputValue = z.object({ value: z.string().max(3000).nullish() });

/** The reject-reason modal, submitted. */
export const ViewSubmission = z.object({
  type: z.literal('view_submission'),
  team: z.object({ id: Id }),
  user: User,
  view: z.object({
    callback_id: z.string().max(255),
    private_metadata: z.string().max(3000),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), InputValue)) }),
  }),
});
export type ViewSubmission = z.infer<typeof ViewSubmission>;

export type Interaction = BlockActions | ViewSubmission | { type: 'other'; name: string };

/** `payload=<json>` as Slack posts it; called only after the signature over these bytes was verified. */
export function parseInteraction(rawBody: Buffer): Interaction {
  const payload = new URLSearchParams(rawBody.toString('utf8')).get('payload');
  if (payload === null) throw new NotifierError('PAYLOAD_INVALID', 'the form has no payload field');
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    throw new NotifierError('PAYLOAD_INVALID', 'payload is not JSON');
  }
  const type = z.object({ type: z.string().max(64) }).safeParse(json);
  if (!type.success) throw new NotifierError('PAYLOAD_INVALID', 'payload has no type');
  const schema = type.data.type === 'block_actions' ? BlockActions : type.data.type === 'view_submission' ? ViewSubmission : undefined;
  // Other interaction kinds (shortcuts, view_closed …) are not ours to act on: acknowledged, ignored.
  if (!schema) return { type: 'other', name: type.data.type };
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(payload)').join(', ');
    throw new NotifierError('PAYLOAD_INVALID', `payload is not a ${type.data.type} Slack sends: ${where}`);
  }
  return parsed.data;
}

/** `<reviewId>.<nonce>` from a button or the modal's private_metadata; undefined for anything else. */
export function parseButtonValue(value: string | undefined): { reviewId: string; nonce: string } | undefined {
  const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{16,64})$/.exec(value ?? '');
  return m?.[1] && m[2] ? { reviewId: m[1], nonce: m[2] } : undefined;
}
