import type { CountersignEvent, IntentState } from '@countersign/contracts';
import { evolve, orderOf, type LifecycleEvent } from '@countersign/domain';
import { lifecycleOf, patchFor, type ReadModelPatch } from './lifecycle.js';

/** A lifecycle event together with the intent it moves (ids lower-cased, as Postgres prints uuids). */
export interface Applicable {
  event: CountersignEvent;
  eventId: string;
  intentId: string;
  lifecycle: LifecycleEvent;
}

/** The events of a batch that can move an intent, in their order; everything else is ignored. */
export function applicableOf(events: readonly CountersignEvent[]): Applicable[] {
  const out: Applicable[] = [];
  for (const event of events) {
    const lifecycle = lifecycleOf(event);
    if (lifecycle && event.intentId !== null) {
      out.push({ event, eventId: event.id.toLowerCase(), intentId: event.intentId.toLowerCase(), lifecycle });
    }
  }
  return out;
}

/** An intent's new state and the columns its events filled in (later events win). */
export interface IntentChange {
  state: IntentState;
  patch: ReadModelPatch;
}

export interface FoldResult {
  changes: Map<string, IntentChange>;
  /** Events handled now (applied or stale): they are recorded as done. */
  done: Applicable[];
  stale: number;
  /** Events that cannot apply yet, with every later event of the same intent; not recorded. */
  deferred: Applicable[];
  /** Why the first deferred event of each blocked intent waits. */
  reasons: string[];
}

/**
 * Applies the events in order to the current states, so that several events for one intent chain.
 * Stale events (already superseded) are skipped. An early event, or one for an intent that is not
 * stored yet, blocks its intent: it and the intent's later events in the batch are deferred (order kept),
 * while other intents go on.
 */
export function foldEvents(current: ReadonlyMap<string, IntentState>, events: readonly Applicable[]): FoldResult {
  const states = new Map(current);
  const result: FoldResult = { changes: new Map(), done: [], stale: 0, deferred: [], reasons: [] };
  const blocked = new Set<string>();
  const block = (item: Applicable, reason: string) => {
    blocked.add(item.intentId);
    result.deferred.push(item);
    result.reasons.push(reason);
  };
  for (const item of events) {
    const { event, intentId, lifecycle } = item;
    if (blocked.has(intentId)) {
      result.deferred.push(item);
      continue;
    }
    const state = states.get(intentId);
    if (state === undefined) {
      block(item, `intent ${intentId} is not in the read model yet`);
      continue;
    }
    let next: IntentState;
    try {
      next = evolve(state, lifecycle);
    } catch {
      if (orderOf(state, lifecycle.type) !== 'stale') {
        block(item, `${event.type} cannot follow ${state} yet (intent ${intentId})`);
        continue;
      }
      result.stale++;
      result.done.push(item);
      continue;
    }
    states.set(intentId, next);
    const before = result.changes.get(intentId)?.patch ?? {};
    result.changes.set(intentId, { state: next, patch: { ...before, ...patchFor(event) } });
    result.done.push(item);
  }
  return result;
}
