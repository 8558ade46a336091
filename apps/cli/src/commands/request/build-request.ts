import { SubmitIntentRequest } from '@countersign/contracts';
import { CliError, ExitCode, usageError } from '../../shared/cli-error.js';

export interface RequestFlags {
  action: string;
  resource: string;
  arg?: string[];
  tag?: string[];
  justification: string;
}

/** `--arg rows=5` is the number 5, `--arg table=customers` the string; JSON where it parses, else text. */
function argValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** The flags as the intake API's body; every problem is named, as the API would name it (exit 2). */
export function buildRequest(flags: RequestFlags): SubmitIntentRequest {
  const resource = /^([a-z][a-z0-9_-]*):([a-z][a-z0-9_-]*)\/(.+)$/.exec(flags.resource);
  if (!resource) throw usageError(`--resource ${flags.resource} must be kind:env/id, e.g. db:prod/customers`);
  const args: Record<string, unknown> = {};
  for (const pair of flags.arg ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw usageError(`--arg ${pair} must be key=value`);
    args[pair.slice(0, eq)] = argValue(pair.slice(eq + 1));
  }
  const parsed = SubmitIntentRequest.safeParse({
    action: flags.action,
    resource: { kind: resource[1], env: resource[2], id: resource[3], tags: flags.tag ?? [] },
    args,
    justification: flags.justification,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
    throw new CliError(ExitCode.Invalid, `invalid request: ${problems}`);
  }
  return parsed.data;
}
