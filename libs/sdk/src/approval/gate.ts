import type { SubmitIntentRequest } from '@countersign/contracts';
import { requireApproval, type ApprovedGrant, type RequireApprovalOptions } from './require-approval.js';

/** An agent's tool: its arguments, and the grant that approved exactly this call. */
export type GatedTool<A, R> = (args: A, grant: ApprovedGrant) => Promise<R>;

export interface GateCallOptions {
  /** Cancels this call's wait and withdraws its intent. */
  signal?: AbortSignal;
}

/**
 * Wraps a tool so that every call first becomes an intent (`describe(args)`: action, resource, the
 * arguments that matter, a justification) and the tool runs only with the grant of its approval. On
 * denial, rejection, expiry, timeout, withdrawal or any error the tool never runs and the ApprovalError
 * is thrown to the caller (an agent can show `error.message` to its model).
 */
export function gate<A, R>(
  tool: GatedTool<A, R>,
  describe: (args: A) => SubmitIntentRequest,
  opts: RequireApprovalOptions,
): (args: A, call?: GateCallOptions) => Promise<R> {
  return async (args, call = {}) => {
    const signal = call.signal && opts.signal ? AbortSignal.any([call.signal, opts.signal]) : (call.signal ?? opts.signal);
    const grant = await requireApproval(describe(args), { ...opts, ...(signal ? { signal } : {}) });
    return tool(args, grant);
  };
}
