import { describe, expect, it } from 'vitest';
import { PathMatcher, parseMaskPath, validateMaskPath } from './path-pattern.js';

describe('validateMaskPath', () => {
  it.each([
    'args.query',
    'args.**.password',
    'args.users.*.email',
    'args.rows.3.card',
    'args.**',
    'args.db.**',
    'args.*',
    'args.**.creds.**.token',
    'args.x-api-key',
    'args.$ref',
    'justification',
    `args.${'a.'.repeat(15)}b`, // 16 fixed segments: the deepest an argument can be
  ])('accepts %j', (pattern) => {
    expect(validateMaskPath(pattern)).toBeUndefined();
  });

  it.each([
    ['', 'mask path is empty'],
    ['args', "'args': name an argument (args.query) or use args.** for all arguments"],
    [
      'resource.id',
      "'resource.id': only args.… paths and justification can be masked (action, resource and requester are not arguments)",
    ],
    [
      'requester.subject',
      "'requester.subject': only args.… paths and justification can be masked (action, resource and requester are not arguments)",
    ],
    ['**.password', "'**.password': only args.… paths and justification can be masked (action, resource and requester are not arguments)"],
    ['query', "'query': only args.… paths and justification can be masked (action, resource and requester are not arguments)"],
    ['justification.text', "'justification.text': justification is a single string; name it alone"],
    ['args..password', "'args..password': segment 2 is empty"],
    ['args.query.', "'args.query.': segment 3 is empty"],
    ['args.**.**.password', "'args.**.**.password': '**.**' is redundant; write '**' once"],
    [
      'args.*password',
      "'args.*password': segment 2 '*password': '*' and '**' must be whole segments (partial wildcards are not supported)",
    ],
    ['args.db.***', "'args.db.***': segment 3 '***': '*' and '**' must be whole segments (partial wildcards are not supported)"],
    [`args.${'k'.repeat(129)}`, `'args.${'k'.repeat(129)}': segment 2 is longer than 128 characters, the longest argument key`],
    ['args.a\tb', "'args.a\tb': segment 2 contains a control character"],
    [
      `args.${'a.'.repeat(16)}b`,
      `'args.${'a.'.repeat(16)}b': 17 segments below args, but arguments nest at most 16 deep, so it can never match`,
    ],
  ])('rejects %j', (pattern, message) => {
    expect(validateMaskPath(pattern)).toBe(message);
  });

  it('parses the root and the segments below it', () => {
    expect(parseMaskPath('args.**.password')).toEqual({ root: 'args', segments: ['**', 'password'] });
    expect(parseMaskPath('justification')).toEqual({ root: 'justification', segments: [] });
  });
});

describe('PathMatcher', () => {
  /** Index of the first pattern matching the whole key path, or -1. */
  function match(patterns: string[], keys: string[]): number {
    const matcher = new PathMatcher(patterns.map((p) => p.split('.')));
    return matcher.matched(keys.reduce((states, key) => matcher.step(states, key), matcher.start));
  }

  it.each<[string, string[], boolean]>([
    ['query', ['query'], true],
    ['query', ['query2'], false],
    ['query', ['db', 'query'], false],
    ['**.password', ['password'], true],
    ['**.password', ['db', 'password'], true],
    ['**.password', ['a', 'b', '0', 'c', 'password'], true],
    ['**.password', ['password', 'x'], false],
    ['**.password', ['Password'], false],
    ['users.*.email', ['users', '0', 'email'], true],
    ['users.*.email', ['users', 'bob', 'email'], true],
    ['users.*.email', ['users', 'email'], false],
    ['users.*.email', ['users', '0', '1', 'email'], false],
    ['rows.3.card', ['rows', '3', 'card'], true],
    ['rows.3.card', ['rows', '4', 'card'], false],
    ['db.**', ['db'], true],
    ['db.**', ['db', 'a', 'b'], true],
    ['**', ['anything'], true],
    ['**.creds.**.token', ['creds', 'token'], true],
    ['**.creds.**.token', ['x', 'creds', 'y', 'z', 'token'], true],
    ['**.creds.**.token', ['x', 'token'], false],
  ])('%s against %j: %s', (pattern, keys, expected) => {
    expect(match([pattern], keys) >= 0).toBe(expected);
  });

  it('reports the first pattern in spec order when several match', () => {
    expect(match(['**.password', 'db.password'], ['db', 'password'])).toBe(0);
    expect(match(['db.query', 'db.password', '**'], ['db', 'password'])).toBe(1);
  });

  it('gives up on subtrees no pattern can reach', () => {
    const matcher = new PathMatcher([['db', 'password']]);
    expect(matcher.step(matcher.start, 'other')).toEqual([]);
  });
});
