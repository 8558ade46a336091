import { usageError } from './cli-error.js';

/** `90s`, `15m`, `2h` in milliseconds; anything else is a usage error naming `what`. */
export function parseDuration(text: string, what = '--timeout'): number {
  const m = /^(\d+)(s|m|h)$/.exec(text);
  if (!m) throw usageError(`${what} ${text} must be a duration such as 90s, 15m or 2h`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}
