import { SETTLED_STATES, type IntentViewResponse } from '@countersign/contracts';
import { UnreachableError } from './approval-errors.js';
import { getIntent, type IntakeOptions } from './intake-api.js';

export interface WaitOptions extends IntakeOptions {
  intentId: string;
  /** Epoch ms after which waiting stops. */
  deadline: number;
  signal?: AbortSignal | undefined;
  /** Called once per state change, with the intent as intake shows it. */
  onState?: ((view: IntentViewResponse) => void | Promise<void>) | undefined;
}

const SETTLED: ReadonlySet<string> = new Set(SETTLED_STATES);

/** Sleeps, but wakes at once when the signal fires. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Long-polls the intent until it settles (see SETTLED_STATES) or the deadline passes ('timeout'). A
 * server restart or a network blip is waited out with backoff rather than reported: waiting for a
 * human takes minutes, and the intent does not go anywhere while intake is down. Returns 'aborted'
 * when the signal fires, with the last state seen.
 */
export async function waitForDecision(opts: WaitOptions): Promise<{ view: IntentViewResponse } | { stopped: 'timeout' | 'aborted'; last?: IntentViewResponse }> {
  let last: IntentViewResponse | undefined;
  let backoff = 250;
  while (Date.now() < opts.deadline) {
    if (opts.signal?.aborted) return { stopped: 'aborted', ...(last ? { last } : {}) };
    const waitSeconds = last ? Math.max(1, Math.min(25, Math.floor((opts.deadline - Date.now()) / 1000))) : 0;
    let view: IntentViewResponse;
    try {
      view = await getIntent(opts.intentId, { ...opts, waitSeconds, state: last?.state, signal: opts.signal });
    } catch (error) {
      if (opts.signal?.aborted) return { stopped: 'aborted', ...(last ? { last } : {}) };
      if (!(error instanceof UnreachableError)) throw error;
      await pause(Math.min(backoff, Math.max(0, opts.deadline - Date.now())), opts.signal);
      backoff = Math.min(backoff * 2, 5_000);
      continue;
    }
    backoff = 250;
    if (view.state !== last?.state) await opts.onState?.(view);
    last = view;
    if (SETTLED.has(view.state)) return { view };
  }
  return { stopped: 'timeout', ...(last ? { last } : {}) };
}
