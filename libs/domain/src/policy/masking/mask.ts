import type { Intent } from '@countersign/contracts';
import { createScanner, DETECTOR_NAMES, type DetectorName, isDetectorName, type Scanner } from './detectors.js';
import { type MatchState, PathMatcher, parseMaskPath } from './path-pattern.js';
import type { Tokenizer } from './tokenizer.js';

export interface MaskSpec {
  /**
   * Path patterns over the intent, e.g. 'args.query', 'args.**.password', 'args.users.*.email',
   * 'justification'. A matched value is masked whole whatever its type: a string, number, boolean
   * or null becomes one token (non-strings tokenized as their JSON text); an object or array keeps
   * its shape (keys are never masked) and every leaf below it becomes a token.
   */
  paths: readonly string[];
  /** Detectors that scan every string not masked by path (args at any depth, justification). Default: all. */
  detectors?: readonly DetectorName[];
}

export interface MaskedValue {
  /** Where the masked value is: 'args.db.password', 'args.rows.3.email', 'justification'. */
  path: string;
  /** 'path:<pattern>' or 'detector:<name>'. */
  reason: string;
}

export interface MaskResult {
  intent: Intent;
  /** Sorted by path then reason; one entry per path and reason however many values it masked. */
  masked: MaskedValue[];
}

export class MaskSpecError extends Error {
  override readonly name = 'MaskSpecError';
  constructor(
    message: string,
    /** The offending path pattern or detector name. */
    readonly pattern: string,
  ) {
    super(message);
  }
}

/** A mask spec checked and prepared once per policy version. */
export interface CompiledMask {
  readonly paths: readonly string[];
  readonly detectors: readonly DetectorName[];
  /** @internal */ readonly scan: Scanner;
  /** @internal */ readonly argsMatcher: PathMatcher;
  /** @internal Reason of each args pattern, by the matcher's pattern index. */
  readonly argsReasons: readonly string[];
  /** @internal Reason when a pattern names the justification. */
  readonly justificationReason: string | undefined;
}

type Json = Intent['args'][string];

/** Limits of the Intent contract that a masked string must still fit in. */
const MAX_ARG_STRING = 8192;
const MAX_JUSTIFICATION = 2000;

export function compileMaskSpec(spec: MaskSpec): CompiledMask {
  const argsPatterns: (readonly string[])[] = [];
  const argsReasons: string[] = [];
  let justificationReason: string | undefined;
  for (const pattern of spec.paths) {
    const parsed = parseMaskPath(pattern);
    if (typeof parsed === 'string') throw new MaskSpecError(`invalid mask path ${parsed}`, pattern);
    if (parsed.root === 'justification') {
      justificationReason ??= `path:${pattern}`;
    } else {
      argsPatterns.push(parsed.segments);
      argsReasons.push(`path:${pattern}`);
    }
  }
  // The spec may come from a YAML file through a schema that is not this module's: check anyway.
  const detectors = spec.detectors ?? DETECTOR_NAMES;
  for (const name of detectors) {
    if (!isDetectorName(name)) {
      const known = DETECTOR_NAMES.join(', ');
      throw new MaskSpecError(`unknown detector '${String(name)}'; known: ${known}`, String(name));
    }
  }
  // Canonical order, which is also the precedence between overlapping detections.
  const selected = DETECTOR_NAMES.filter((d) => detectors.includes(d));
  return Object.freeze({
    paths: Object.freeze([...spec.paths]),
    detectors: Object.freeze(selected),
    scan: createScanner(selected),
    argsMatcher: new PathMatcher(argsPatterns),
    argsReasons,
    justificationReason,
  });
}

interface Run {
  mask: CompiledMask;
  tokenize: Tokenizer;
  masked: MaskedValue[];
}

/**
 * The intent as reviewers may see it, and what was masked where. Pure: the input is not modified and
 * the result shares no args object or array with it.
 */
export function maskIntent(intent: Intent, mask: CompiledMask, tokenize: Tokenizer): MaskResult {
  const run: Run = { mask, tokenize, masked: [] };
  const args = maskObject(intent.args, 'args', mask.argsMatcher.start, run);
  const justification =
    mask.justificationReason === undefined
      ? maskText(intent.justification, 'justification', MAX_JUSTIFICATION, run)
      : maskLeaf(intent.justification, 'justification', mask.justificationReason, run);
  return { intent: { ...intent, args, justification }, masked: sortUnique(run.masked) };
}

function maskValue(value: Json, path: string, states: MatchState, run: Run): Json {
  if (states.length > 0) {
    const hit = run.mask.argsMatcher.matched(states);
    if (hit >= 0) return maskWhole(value, path, run.mask.argsReasons[hit]!, run);
  }
  if (typeof value === 'string') return maskText(value, path, MAX_ARG_STRING, run);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const matcher = run.mask.argsMatcher;
    return value.map((item, i) => maskValue(item, `${path}.${i}`, matcher.step(states, String(i)), run));
  }
  return maskObject(value, path, states, run);
}

function maskObject(object: Record<string, Json>, path: string, states: MatchState, run: Run): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const key of Object.keys(object)) {
    setOwn(out, key, maskValue(object[key]!, `${path}.${key}`, run.mask.argsMatcher.step(states, key), run));
  }
  return out;
}

function maskWhole(value: Json, path: string, reason: string, run: Run): Json {
  if (Array.isArray(value)) return value.map((item, i) => maskWhole(item, `${path}.${i}`, reason, run));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(value)) setOwn(out, key, maskWhole(value[key]!, `${path}.${key}`, reason, run));
    return out;
  }
  return maskLeaf(typeof value === 'string' ? value : JSON.stringify(value), path, reason, run);
}

/**
 * Plain assignment except for `__proto__`, which assignment would turn into a prototype change
 * (JSON.parse makes it an ordinary key). Object.fromEntries would do both, but at several times
 * the cost, and this loop is most of maskIntent's time.
 */
function setOwn(target: Record<string, Json>, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function maskLeaf(text: string, path: string, reason: string, run: Run): string {
  run.masked.push({ path, reason });
  return token('path', text, run.tokenize);
}

/** Replaces each detected span by its own token, keeping the text around it for context. */
function maskText(text: string, path: string, limit: number, run: Run): string {
  const spans = run.mask.scan(text);
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + token(span.detector, text.slice(span.start, span.end), run.tokenize);
    at = span.end;
    run.masked.push({ path, reason: `detector:${span.detector}` });
  }
  out += text.slice(at);
  // Tokens can be longer than what they replace (an 8 KB string of short e-mail addresses); the
  // result must still fit the contract, so the whole string becomes one token instead.
  return out.length <= limit ? out : token(spans[0]!.detector, text, run.tokenize);
}

function token(kind: string, value: string, tokenize: Tokenizer): string {
  return `[masked:${kind}:${tokenize(value)}]`;
}

function sortUnique(masked: MaskedValue[]): MaskedValue[] {
  if (masked.length === 0) return masked;
  const seen = new Set<string>();
  const unique = masked.filter((m) => {
    const key = `${m.path}\u0000${m.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return unique.sort((a, b) => order(a.path, b.path) || order(a.reason, b.reason));
}
