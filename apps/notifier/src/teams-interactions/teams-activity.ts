import { z } from 'zod';
import { APPROVE_VERB, REJECT_VERB } from '../channels/teams/review-card.js';
import { NotifierError } from '../errors/notifier-error.js';

const Id = z.string().min(1).max(256);

/** A Bot Framework activity (only the fields we use; the Bot Framework sends many more). */
export const TeamsActivity = z.object({
  type: z.string().min(1).max(64),
  id: Id,
  name: z.string().max(256).optional(),
  serviceUrl: z.string().min(1).max(2048),
  channelId: z.string().max(64),
  from: z.object({ id: Id, aadObjectId: z.string().max(64).optional(), name: z.string().max(256).optional() }),
  conversation: z.object({ id: z.string().min(1).max(1024), tenantId: z.string().max(64).optional() }),
  channelData: z.object({ tenant: z.object({ id: z.string().max(64) }).optional() }).optional(),
  value: z.unknown().optional(),
});
export type TeamsActivity = z.infer<typeof TeamsActivity>;

export const ADAPTIVE_CARD_ACTION = 'adaptiveCard/action';

/** A click on a review card: Action.Execute (an invoke) or its Action.Submit fallback (a message). */
export interface CardClick {
  via: 'execute' | 'submit';
  /** Undefined when the data is not ours or malformed: the click is answered "no longer valid". */
  vote: { decision: 'approve' | 'reject'; reviewId: string; nonce: string; reason: string | undefined } | undefined;
}

const Verb = z.enum([APPROVE_VERB, REJECT_VERB]);
const Data = z.object({
  reviewId: z.uuid(),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  // The card's reason box; Reject's client-side check may be missing in some hosts.
  reason: z.string().max(3000).nullish(),
});
const ExecuteValue = z.object({ action: z.object({ type: z.literal('Action.Execute'), verb: z.string().max(64), data: z.unknown() }) });
const SubmitValue = Data.extend({ verb: Verb });

/** Parses the activity, after its token was verified; a malformed one is a 400. */
export function parseActivity(body: unknown): TeamsActivity {
  const parsed = TeamsActivity.safeParse(body);
  if (!parsed.success) throw new NotifierError('PAYLOAD_INVALID', 'not a Bot Framework activity');
  return parsed.data;
}

function vote(decision: unknown, data: unknown): CardClick['vote'] {
  const verb = Verb.safeParse(decision);
  const d = Data.safeParse(data);
  if (!verb.success || !d.success) return undefined;
  const reason = d.data.reason?.trim();
  return { decision: verb.data, reviewId: d.data.reviewId, nonce: d.data.nonce, reason: reason ? reason : undefined };
}

/** The card click an activity carries, or undefined for anything else (messages to the bot, other invokes). */
export function cardClickOf(a: TeamsActivity): CardClick | undefined {
  if (a.type === 'invoke' && a.name === ADAPTIVE_CARD_ACTION) {
    const value = ExecuteValue.safeParse(a.value);
    return { via: 'execute', vote: value.success ? vote(value.data.action.verb, value.data.action.data) : undefined };
  }
  if (a.type === 'message' && typeof a.value === 'object' && a.value !== null) {
    const value = SubmitValue.safeParse(a.value);
    return { via: 'submit', vote: value.success ? vote(value.data.verb, value.data) : undefined };
  }
  return undefined;
}

/** The Entra ID tenant of the conversation: `conversation.tenantId`, or `channelData.tenant.id`. */
export function tenantOf(a: TeamsActivity): string | undefined {
  return a.conversation.tenantId ?? a.channelData?.tenant?.id;
}
