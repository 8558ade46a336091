export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before attempt `attempts + 1`: base · 2^(attempts − 1), capped, with up to 20 % added at random so
 * that copies of notifier (and the deliveries of one outage) do not all retry in the same instant.
 */
export function backoffMs(attempts: number, s: BackoffSettings, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const plain = Math.min(s.maxMs, s.baseMs * 2 ** exponent);
  return Math.min(s.maxMs, Math.round(plain * (1 + 0.2 * random())));
}
