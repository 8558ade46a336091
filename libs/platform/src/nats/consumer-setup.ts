import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';

export interface ConsumerPlan {
  /** What the server filters on. */
  server: { filter_subject?: string; filter_subjects?: string[] };
  /** Non-null when the server cannot filter on several subjects (< 2.10) and we must skip the rest. */
  clientFilter: string[] | null;
}

/**
 * NATS < 2.10 knows only one filter_subject and silently ignores filter_subjects (it would then deliver
 * everything). There we ask for the narrowest wildcard covering all filters and drop the rest ourselves.
 */
export function planFilters(filters: readonly string[], serverVersion: string | undefined): ConsumerPlan {
  const unique = [...new Set(filters)];
  if (unique.length === 0) throw new Error('a durable consumer needs at least one filter subject');
  if (unique.length === 1) return { server: { filter_subject: unique[0]! }, clientFilter: null };
  if (supportsMultiFilter(serverVersion)) return { server: { filter_subjects: unique }, clientFilter: null };
  return { server: { filter_subject: coveringFilter(unique) }, clientFilter: unique };
}

export function supportsMultiFilter(version: string | undefined): boolean {
  return atLeast(version, [2, 10, 0]);
}

/** Before 2.10.4 the server does not recognise `+TERM <reason>` and treats it as no ack at all. */
export function supportsTermReason(version: string | undefined): boolean {
  return atLeast(version, [2, 10, 4]);
}

function atLeast(version: string | undefined, wanted: [number, number, number]): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const have = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) {
    if (have[i]! !== wanted[i]) return have[i]! > wanted[i]!;
  }
  return true;
}

export function coveringFilter(filters: readonly string[]): string {
  const split = filters.map((f) => f.split('.'));
  const prefix: string[] = [];
  for (let i = 0; ; i++) {
    const tokens = split.map((t) => t[i]);
    const first = tokens[0];
    if (first === undefined || first === '>' || first === '*' || tokens.some((t) => t !== first)) break;
    prefix.push(first);
  }
  // A filter that ends where the common prefix ends (`a.b` next to `a.b.c`) is not matched by `a.b.>`.
  if (split.some((t) => t.length === prefix.length)) prefix.pop();
  return prefix.length === 0 ? '>' : `${prefix.join('.')}.>`;
}

export interface DurableSpec {
  stream: string;
  durable: string;
  filters: readonly string[];
  ackWaitMs: number;
  maxAckPending?: number;
}

/**
 * Creates the durable or brings it to this configuration, so a deploy that changes a service's
 * subscriptions takes effect without manual steps. Redelivery limits are enforced by the consumer code
 * (max_deliver -1 here), because only it can tell a handler crash from a deliberate "retry later".
 */
export async function ensureDurable(nc: NatsConnection, spec: DurableSpec): Promise<ConsumerPlan> {
  const jsm = await jetstreamManager(nc);
  const plan = planFilters(spec.filters, nc.info?.version);
  const updatable = {
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: -1,
    max_ack_pending: spec.maxAckPending ?? 1_000,
    ...plan.server,
  };
  let existing: ConsumerInfo | undefined;
  try {
    existing = await jsm.consumers.info(spec.stream, spec.durable);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
  }
  const create = (start: Partial<ConsumerConfig>) =>
    jsm.consumers.add(spec.stream, {
      durable_name: spec.durable,
      ack_policy: AckPolicy.Explicit,
      ...start,
      ...updatable,
    });
  if (!existing) {
    await create({ deliver_policy: DeliverPolicy.All });
  } else if (!supportsMultiFilter(nc.info?.version) && filterOf(existing.config) !== plan.server.filter_subject) {
    // NATS 2.9 accepts a filter_subject update but then silently stops delivering. Recreate the durable
    // where the old one had got to: anything after its ack floor is (re)delivered, which idempotent
    // handlers absorb; nothing is skipped.
    await jsm.consumers.delete(spec.stream, spec.durable);
    await create({ deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: existing.ack_floor.stream_seq + 1 });
  } else {
    await jsm.consumers.update(spec.stream, spec.durable, updatable);
  }
  return plan;
}

function filterOf(config: ConsumerConfig): string | undefined {
  return config.filter_subject ?? config.filter_subjects?.[0];
}
