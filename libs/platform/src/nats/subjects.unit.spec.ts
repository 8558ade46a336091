import { describe, expect, it } from 'vitest';
import { coveringFilter, planFilters, supportsTermReason } from './consumer-setup.js';
import { subjectMatches } from './subjects.js';

describe('subjectMatches', () => {
  it.each([
    ['countersign.>', 'countersign.intent.submitted.v1', true],
    ['countersign.>', 'countersign', false],
    ['countersign.intent.*.v1', 'countersign.intent.submitted.v1', true],
    ['countersign.intent.*.v1', 'countersign.intent.submitted.v2', false],
    ['countersign.intent.*', 'countersign.intent.submitted.v1', false],
    ['countersign.intent.submitted.v1', 'countersign.intent.submitted.v1', true],
    ['countersign.intent.submitted.v1', 'countersign.intent.submitted.v1.x', false],
  ])('%s ~ %s = %s', (filter, subject, expected) => {
    expect(subjectMatches(filter, subject)).toBe(expected);
  });
});

describe('planFilters', () => {
  const two = ['countersign.intent.submitted.v1', 'countersign.review.vote_cast.v1'];
  it('uses filter_subjects on servers that understand it', () => {
    expect(planFilters(two, '2.10.7')).toEqual({ server: { filter_subjects: two }, clientFilter: null });
  });
  it('falls back to a covering wildcard plus client-side filtering on 2.9', () => {
    expect(planFilters(two, '2.9.10')).toEqual({ server: { filter_subject: 'countersign.>' }, clientFilter: two });
  });
  it('needs no fallback for a single (or repeated) filter', () => {
    expect(planFilters([two[0]!, two[0]!], '2.9.10')).toEqual({ server: { filter_subject: two[0] }, clientFilter: null });
  });
  it('covers filters that end where the common prefix ends', () => {
    expect(coveringFilter(['a.b', 'a.b.c'])).toBe('a.>');
    expect(coveringFilter(['a.b.c', 'a.b.d'])).toBe('a.b.>');
    expect(coveringFilter(['a.*.c', 'a.b.d'])).toBe('a.>');
    expect(coveringFilter(['x.y', 'z.y'])).toBe('>');
  });
  it('knows which servers accept a TERM reason', () => {
    expect(supportsTermReason('2.9.10')).toBe(false);
    expect(supportsTermReason('2.10.3')).toBe(false);
    expect(supportsTermReason('2.10.4')).toBe(true);
    expect(supportsTermReason('2.11.0')).toBe(true);
  });
});
