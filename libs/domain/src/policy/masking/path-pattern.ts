import { MAX_ARGS_DEPTH } from '@countersign/contracts';

/**
 * Mask path patterns: dot-separated segments over the intent. `*` is exactly one segment, `**` zero
 * or more; any other segment is an object key or an array index, compared exactly.
 */
export const ANY_ONE = '*';
export const ANY_DEPTH = '**';

export type MaskRoot = 'args' | 'justification';

export interface ParsedMaskPath {
  root: MaskRoot;
  /** Segments below the root; empty for `justification`. */
  segments: readonly string[];
}

/** Mirrors the contract's limit on argument keys: a longer segment could never match. */
const MAX_KEY_LENGTH = 128;

/** The parsed pattern, or an error message that quotes it. */
export function parseMaskPath(pattern: string): ParsedMaskPath | string {
  const quoted = `'${pattern}'`;
  if (pattern.length === 0) return 'mask path is empty';
  const [root, ...segments] = pattern.split('.');
  if (root === 'justification') {
    return segments.length === 0
      ? { root, segments: [] }
      : `${quoted}: justification is a single string; name it alone`;
  }
  if (root !== 'args') {
    const why = 'action, resource and requester are not arguments';
    return `${quoted}: only args.… paths and justification can be masked (${why})`;
  }
  if (segments.length === 0) return `${quoted}: name an argument (args.query) or use args.** for all arguments`;

  let fixed = 0;
  for (const [i, segment] of segments.entries()) {
    const where = `segment ${i + 2}`;
    if (segment.length === 0) return `${quoted}: ${where} is empty`;
    if (segment === ANY_DEPTH) {
      // Two in a row match exactly what one matches; rejecting them keeps the matcher's state small.
      if (segments[i - 1] === ANY_DEPTH) return `${quoted}: '**.**' is redundant; write '**' once`;
      continue;
    }
    fixed++;
    if (segment === ANY_ONE) continue;
    if (segment.includes('*')) {
      const why = 'partial wildcards are not supported';
      return `${quoted}: ${where} '${segment}': '*' and '**' must be whole segments (${why})`;
    }
    if (segment.length > MAX_KEY_LENGTH) {
      return `${quoted}: ${where} is longer than ${MAX_KEY_LENGTH} characters, the longest argument key`;
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(segment)) return `${quoted}: ${where} contains a control character`;
  }
  if (fixed > MAX_ARGS_DEPTH) {
    const why = `arguments nest at most ${MAX_ARGS_DEPTH} deep, so it can never match`;
    return `${quoted}: ${fixed} segments below args, but ${why}`;
  }
  return { root, segments };
}

/** An error message for a bad pattern, or undefined. For the policy file's schema. */
export function validateMaskPath(pattern: string): string | undefined {
  const parsed = parseMaskPath(pattern);
  return typeof parsed === 'string' ? parsed : undefined;
}

/**
 * The set of positions reached in each pattern, encoded as `pattern * STRIDE + position`. A pattern
 * has at most 16 fixed segments and, with no `**` twice in a row, at most 17 `**`: below 64.
 */
export type MatchState = readonly number[];
const STRIDE = 64;
const NONE: MatchState = [];

/**
 * Walks a tree one key at a time, like an NFA over all patterns at once. Patterns are compiled
 * once; each step costs a few comparisons per live state, and subtrees no pattern can reach
 * get the empty state and are not compared at all.
 */
export class PathMatcher {
  readonly #patterns: readonly (readonly string[])[];
  readonly #start: MatchState;

  constructor(patterns: readonly (readonly string[])[]) {
    this.#patterns = patterns;
    const start: number[] = [];
    patterns.forEach((_, p) => this.#add(start, p, 0));
    this.#start = start;
  }

  /** States at the root (before any key). */
  get start(): MatchState {
    return this.#start;
  }

  /** States after descending into `key` (an object key or an array index as a string). */
  step(states: MatchState, key: string): MatchState {
    if (states.length === 0) return NONE;
    const next: number[] = [];
    for (const state of states) {
      const p = Math.floor(state / STRIDE);
      const pos = state % STRIDE;
      const segment = this.#patterns[p]![pos];
      if (segment === undefined) continue;
      if (segment === ANY_DEPTH) this.#add(next, p, pos);
      else if (segment === ANY_ONE || segment === key) this.#add(next, p, pos + 1);
    }
    return next.length === 0 ? NONE : next;
  }

  /** Index of the first pattern that has matched all of its segments, or -1. */
  matched(states: MatchState): number {
    let first = -1;
    for (const state of states) {
      const p = Math.floor(state / STRIDE);
      if (state % STRIDE === this.#patterns[p]!.length && (first === -1 || p < first)) first = p;
    }
    return first;
  }

  /** Adds a state and, because `**` may match nothing, the state just past each `**` it stands on. */
  #add(states: number[], p: number, pos: number): void {
    const pattern = this.#patterns[p]!;
    for (;;) {
      const state = p * STRIDE + pos;
      if (!states.includes(state)) states.push(state);
      if (pattern[pos] !== ANY_DEPTH) return;
      pos++;
    }
  }
}
