import { z } from 'zod';
import { callApi, serviceUrl } from '../../shared/api-client.js';
import { CliError, ExitCode } from '../../shared/cli-error.js';

export const IntentView = z.looseObject({
  id: z.string(),
  state: z.string(),
  decision: z.string().nullable().optional(),
  reasons: z.array(z.string()).nullable().optional(),
  reviewId: z.string().nullable().optional(),
});
export type IntentView = z.infer<typeof IntentView>;

/** States after which waiting is over (granted: the requester may claim now). */
const FINAL = new Set(['granted', 'claimed', 'redeemed', 'denied', 'rejected', 'expired', 'withdrawn', 'grant_expired', 'revoked']);

export interface WaitOptions {
  intakeUrl: string;
  token: string;
  id: string;
  deadline: number;
  onState: (view: IntentView) => void | Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Long-polls the intent until it reaches a final state or the deadline. A server restart or a network
 * blip is waited out (with backoff) rather than reported: waiting for a human takes minutes, and the
 * intent does not go anywhere while intake is down.
 */
export async function waitForOutcome(opts: WaitOptions): Promise<IntentView | 'timeout'> {
  const sleep = opts.sleep ?? pause;
  let state: string | undefined;
  let backoff = 250;
  while (Date.now() < opts.deadline) {
    const waitSeconds = Math.max(1, Math.min(25, Math.floor((opts.deadline - Date.now()) / 1000)));
    const path = `v1/intents/${opts.id}${state ? `?wait=${waitSeconds}&state=${state}` : ''}`;
    let view: IntentView;
    try {
      const answer = await callApi(serviceUrl(opts.intakeUrl, path), { token: opts.token, timeoutMs: (waitSeconds + 10) * 1000 });
      view = IntentView.parse(answer.body);
    } catch (error) {
      if (error instanceof CliError && error.exitCode === ExitCode.Unreachable) {
        await sleep(Math.min(backoff, Math.max(0, opts.deadline - Date.now())));
        backoff = Math.min(backoff * 2, 5_000);
        continue;
      }
      throw error;
    }
    backoff = 250;
    if (view.state !== state) {
      state = view.state;
      await opts.onState(view);
    }
    if (FINAL.has(view.state)) return view;
  }
  return 'timeout';
}
