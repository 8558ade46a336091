/**
 * A one-line description of a failure that is safe to log. Error objects of HTTP clients can carry the
 * request they failed on (headers with the bot token included), so they are never logged whole.
 */
export function errorSummary(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 500);
  const code = (error as { code?: unknown }).code;
  const prefix = typeof code === 'string' ? `${code}: ` : '';
  return `${prefix}${error.message}`.slice(0, 500);
}
