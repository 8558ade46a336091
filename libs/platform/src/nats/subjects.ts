import { definitionForSubject, SUBJECT_PREFIX, type EventDefinition } from '@countersign/contracts';
import type { ZodError } from 'zod';

export function subjectOf(event: { type: string; version: number }): string {
  return `${SUBJECT_PREFIX}.${event.type}.v${event.version}`;
}

export function definitionFor(subject: string): EventDefinition | undefined {
  return definitionForSubject(subject);
}

/** NATS subject matching: `*` is one token, `>` is one or more trailing tokens. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    const token = f[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return f.length === s.length;
}

/** Paths and messages only: a payload may hold secrets, so its values never reach a log or an event. */
export function describeZodError(error: ZodError, limit = 5): string {
  const issues = error.issues.slice(0, limit).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const more = error.issues.length > limit ? ` (+${error.issues.length - limit} more)` : '';
  return `schema violation at ${issues.join('; ')}${more}`;
}
