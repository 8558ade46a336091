/**
 * Detectors for secrets and personal data inside free text.
 *
 * Hand-written rather than from a library: the maintained candidates are asynchronous, need
 * Node >= 22, or cover a fraction of these kinds (see README.md in this folder).
 *
 * Every regex here must stay linear on an adversarial 8 KB string: runs are anchored by a
 * lookbehind so that a match can start only at the beginning of a run, repetitions are either
 * bounded or separated by a character the repeated class excludes, and alternatives inside a
 * repetition start with disjoint characters.
 */

/** Also the precedence when two detectors claim overlapping text: the earlier name is reported. */
export const DETECTOR_NAMES = [
  'private-key',
  'aws-access-key',
  'aws-secret-key',
  'gcp-api-key',
  'github-token',
  'slack-token',
  'jwt',
  'bearer-token',
  'url-password',
  'password-assignment',
  'email',
  'card-number',
] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** A half-open range [start, end) of the scanned text that must be masked. */
export interface Span {
  start: number;
  end: number;
  detector: DetectorName;
}

interface Detector {
  name: DetectorName;
  /**
   * Whether the text holds a literal that every match contains: a test far cheaper than the scan
   * (a few `includes`), so that most strings skip it. It must be sound, never false where the scan
   * would find something; the detector and property tests run through it. `lower` is the text in
   * lower case, for the detectors that match case-insensitively.
   */
  gate: (text: string, lower: string) => boolean;
  scan(text: string, emit: (start: number, end: number) => void): void;
}

/**
 * Each regex must carry the g flag. Without capture groups the whole match is masked. With them,
 * the first group that took part is masked, and it must end where the match ends (trailing context
 * goes in a lookahead), so that its offset is known without the cost of the d flag.
 */
function regexDetector(name: DetectorName, gate: Detector['gate'], rules: readonly RegExp[]): Detector {
  return {
    name,
    gate,
    scan(text, emit) {
      for (const re of rules) {
        re.lastIndex = 0;
        for (let m = re.exec(text); m !== null; m = re.exec(text)) {
          const end = m.index + m[0].length;
          let secret = m[0];
          for (let g = 1; g < m.length; g++) {
            const group = m[g];
            if (group !== undefined) {
              secret = group;
              break;
            }
          }
          emit(end - secret.length, end);
          // An empty match cannot happen with these rules; guard anyway against an endless loop.
          if (m[0].length === 0) re.lastIndex++;
        }
      }
    },
  };
}

/** Luhn mod-10 over a string of ASCII digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The digits of a card number: 13-19, Luhn-valid, and in a card network's issuer range. */
function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  // Issuer ranges of the card networks start with 2-6. This keeps epoch-millisecond timestamps
  // (13 digits starting with 1) and similar ids out even when they happen to pass Luhn (1 in 10 do).
  const first = digits.charCodeAt(0) - 48;
  return first >= 2 && first <= 6 && luhnValid(digits);
}

/**
 * A run of digit groups joined by single spaces or dashes. Neighbouring letters, digits, dots and
 * dashes mean a longer token (UUID, version, decimal, id), so such a run is not a card.
 */
const DIGIT_RUN = /(?<![0-9A-Za-z_.-])\d+(?:[ -]\d+)*(?![0-9A-Za-z_]|[.-]\d)/g;
const DIGIT_GROUP = /\d+/g;
const CARD_GATE = /\d{4}[ -]?\d{3}/;

/**
 * A card is one group of 13-19 digits, or 3-5 groups printed the way cards are (4-4-4-4, 4-6-5,
 * 4-4-4-4-3: a first group of 4, then groups of 3-6). Windows of consecutive groups in a run are
 * tried so that a card next to other numbers ("ref 1234 4111 1111 1111 1111") is still found: a
 * regex would consume the whole 20-digit run, reject it, and move past the card.
 */
const cardNumber: Detector = {
  name: 'card-number',
  // Both forms hold 4 digits, maybe a separator, then 3 more: dates (2024-05-01) do not.
  gate: (text) => CARD_GATE.test(text),
  scan(text, emit) {
    DIGIT_RUN.lastIndex = 0;
    for (let run = DIGIT_RUN.exec(text); run !== null; run = DIGIT_RUN.exec(text)) {
      const groups: Array<{ start: number; digits: string }> = [];
      DIGIT_GROUP.lastIndex = 0;
      for (let g = DIGIT_GROUP.exec(run[0]); g !== null; g = DIGIT_GROUP.exec(run[0])) {
        groups.push({ start: run.index + g.index, digits: g[0] });
      }
      // Every start, even inside a card already found: windows may overlap ("1234 5678" before a
      // card can complete a valid number with its first half), and skipping past one would leave
      // the rest of the other unmasked. Overlapping spans are merged before masking.
      for (let i = 0; i < groups.length; i++) {
        const found = longestCardAt(groups, i);
        if (found === -1) continue;
        const last = groups[found]!;
        emit(groups[i]!.start, last.start + last.digits.length);
      }
    }
  },
};

/** Index of the last group of the longest card starting at group i, or -1. */
function longestCardAt(groups: ReadonlyArray<{ digits: string }>, i: number): number {
  const first = groups[i]!.digits;
  if (first.length === 4) {
    let digits = first;
    let best = -1;
    for (let j = i + 1; j < groups.length && j <= i + 4; j++) {
      const next = groups[j]!.digits;
      if (next.length < 3 || next.length > 6) break;
      digits += next;
      if (digits.length > 19) break;
      if (j >= i + 2 && isCardNumber(digits)) best = j;
    }
    if (best !== -1) return best;
  }
  return isCardNumber(first) ? i : -1;
}

/**
 * `key = value` in free text: env files, query strings, JSON, YAML, CLI flags. The keyword may end a
 * longer name (db_password, clientSecret) but must be followed by the separator, so prose such as
 * "password reset" or "passwords: 3" is left alone.
 */
const SECRET_KEYWORD = [
  'pass(?:word|wd|phrase)',
  'pwd',
  'secret(?:[_-]?key)?',
  'api[_-]?key',
  'apikey',
  '(?:access|auth|refresh|session|api|bearer)[_-]?token',
  'private[_-]?key',
].join('|');
/** Optional closing quote of the key (also JSON-inside-a-string, `\"`), then =, :, := or =>. */
const ASSIGN = String.raw`\\?["']?[ \t]*(?:=>|:=|[:=])[ \t]*`;
/**
 * One capture group per quoting style so that a quoted value may hold spaces and an unquoted one
 * stops at the end of the token. The `"` style follows JSON escapes; the `\"` style (JSON encoded
 * twice) stops at the next `\"`.
 */
const ASSIGNED_VALUE =
  String.raw`(?:"((?:[^"\\\r\n]|\\.)+)|\\"((?:[^"\\\r\n]|\\[^"\r\n])+)|'([^'\r\n]+)|([^\s"'&]+))`;

/** Every keyword above contains one of these. */
const PASSWORD_GATE = ['pass', 'pwd', 'secret', 'key', 'token'];

const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;

const privateKey: Detector = {
  name: 'private-key',
  gate: (text) => text.includes('PRIVATE KEY'),
  scan(text, emit) {
    PEM_BEGIN.lastIndex = 0;
    for (let m = PEM_BEGIN.exec(text); m !== null; m = PEM_BEGIN.exec(text)) {
      PEM_END.lastIndex = m.index + m[0].length;
      const end = PEM_END.exec(text);
      // A block cut short (a truncated paste) is still key material: mask to the end of the text.
      const stop = end === null ? text.length : end.index + end[0].length;
      emit(m.index, stop);
      PEM_BEGIN.lastIndex = stop;
    }
  },
};

const DETECTORS: Readonly<Record<DetectorName, Detector>> = {
  'private-key': privateKey,
  // Access key ids of long-term (AKIA) and temporary (ASIA) credentials, plus the newer
  // bearer-style prefixes. AIDA/AROA are user and role ids, not credentials: not masked.
  'aws-access-key': regexDetector(
    'aws-access-key',
    (text) => text.includes('AKIA') || text.includes('ASIA') || text.includes('ABIA') || text.includes('ACCA'),
    [/(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g],
  ),
  // A secret access key is 40 characters of base64 with no prefix of its own: only its name makes
  // it recognisable, so it is masked only right after aws_secret_access_key / SecretAccessKey.
  'aws-secret-key': regexDetector('aws-secret-key', (_, lower) => lower.includes('secret'), [
    new RegExp(
      String.raw`(?:(?:aws[_ -]?)?secret[_ -]?access[_ -]?key|aws[_ -]?secret[_ -]?key)` +
        ASSIGN +
        String.raw`\\?["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
      'gi',
    ),
  ]),
  'gcp-api-key': regexDetector('gcp-api-key', (text) => text.includes('AIza'), [
    /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g,
  ]),
  // Classic (ghp_ and friends: 36 characters after the prefix) and fine-grained tokens.
  'github-token': regexDetector(
    'github-token',
    (text) => text.includes('gh') || text.includes('github_pat_'),
    [/(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,242})(?![A-Za-z0-9_])/g],
  ),
  // Bot/user/app tokens, and incoming-webhook URLs whose path is the secret.
  'slack-token': regexDetector(
    'slack-token',
    (text) => text.includes('xox') || text.includes('xapp-') || text.includes('hooks.slack.com'),
    [
      /(?<![A-Za-z0-9-])(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])/g,
      /\bhttps:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9_/-]{16,})/g,
    ],
  ),
  // Header `eyJ` is base64url of `{"`; a signed token has two more segments, an encrypted one four.
  'jwt': regexDetector('jwt', (text) => text.includes('eyJ'), [
    /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]{2,}){0,2}/g,
  ]),
  // The credential after the scheme. Real tokens are long: 16+ characters keeps "the bearer of
  // this note" out. Basic credentials are base64 of user:password, so they are masked too.
  'bearer-token': regexDetector(
    'bearer-token',
    (_, lower) => lower.includes('bearer') || lower.includes('authorization'),
    [
      /\bbearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)/gi,
      /\bauthorization\\?["']?[ \t]*[:=][ \t]*\\?["']?(?:basic|token)[ \t]+([A-Za-z0-9._~+/-]{8,}=*)/gi,
    ],
  ),
  // scheme://user:PASSWORD@host. The password may not hold / ? # @ (RFC 3986 wants them
  // percent-encoded), which keeps `https://host:8080/path?mail=a@b.c` from reading as credentials.
  'url-password': regexDetector('url-password', (text) => text.includes('://'), [
    /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:/?#"'<>]*:([^\s/?#@"'<>]+)(?=@)/g,
  ]),
  'password-assignment': regexDetector(
    'password-assignment',
    (_, lower) => PASSWORD_GATE.some((word) => lower.includes(word)),
    [
      new RegExp(`(?:${SECRET_KEYWORD})${ASSIGN}${ASSIGNED_VALUE}`, 'gi'),
      // CLI style with a space: --password hunter2
      /(?<![A-Za-z0-9-])--(?:password|passwd|pwd|secret|api-key|token)[ \t]+([^\s"'-][^\s"']*)/gi,
    ],
  ),
  // The first lookbehind lets the local part start only at the beginning of its run (linear time).
  // The second skips the password of `scheme://user:password@host`, where url-password masks it and
  // the host is context a reviewer needs; it repeats url-password's prefix exactly, so that every
  // text it skips is one url-password masks. The domain needs a dot and an alphabetic TLD, so
  // `user@`, `@handle` and `pkg@1.2.3` stay.
  'email': regexDetector('email', (text) => text.includes('@'), [
    new RegExp(
      String.raw`(?<![A-Za-z0-9._%+-])(?<!(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s:/?#"'<>]{0,64}:)` +
        String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}(?![A-Za-z0-9-])`,
      'g',
    ),
  ]),
  'card-number': cardNumber,
};

export type Scanner = (text: string) => Span[];

/** The shortest text any detector matches: `pwd=x`. */
const MIN_MATCH_LENGTH = 5;

/**
 * Lower case, every literal that some detector's gate looks for. One pass of this regex over an
 * ordinary string (~1 µs for 200 characters here) is cheaper than the gates one by one, and most
 * strings stop there. A superset of the gates, so it is sound too.
 */
const ANY_GATE = new RegExp(
  [
    ...['private key', 'akia', 'asia', 'abia', 'acca', 'secret', 'aiza', 'gh', 'github_pat_', 'xox', 'xapp-'],
    ...[String.raw`hooks\.slack\.com`, 'eyj', 'bearer', 'authorization', '://', 'pass', 'pwd', 'key', 'token', '@'],
    CARD_GATE.source,
  ].join('|'),
);

/** A scanner for a set of detectors, prepared once. */
export function createScanner(names: readonly DetectorName[]): Scanner {
  const detectors = DETECTOR_NAMES.filter((n) => names.includes(n)).map((n) => DETECTORS[n]);
  if (detectors.length === 0) return () => [];
  return (text) => {
    if (text.length < MIN_MATCH_LENGTH) return [];
    const lower = text.toLowerCase();
    if (!ANY_GATE.test(lower)) return [];
    let spans: Span[] | undefined;
    for (const detector of detectors) {
      if (!detector.gate(text, lower)) continue;
      detector.scan(text, (start, end) => (spans ??= []).push({ start, end, detector: detector.name }));
    }
    return spans === undefined ? [] : merge(spans);
  };
}

/** Spans found by the named detectors, merged where they overlap, ordered by position. */
export function findSecrets(text: string, names: readonly DetectorName[]): Span[] {
  return createScanner(names)(text);
}

/**
 * Overlaps are merged into one span (never split): every character any detector claimed stays
 * masked, the token covers the union, and the detector listed first names it.
 */
function merge(spans: Span[]): Span[] {
  if (spans.length < 2) return spans;
  const rank = (d: DetectorName) => DETECTOR_NAMES.indexOf(d);
  spans.sort((a, b) => a.start - b.start || rank(a.detector) - rank(b.detector));
  const merged: Span[] = [spans[0]!];
  for (let i = 1; i < spans.length; i++) {
    const span = spans[i]!;
    const last = merged[merged.length - 1]!;
    if (span.start < last.end) {
      last.end = Math.max(last.end, span.end);
      if (rank(span.detector) < rank(last.detector)) last.detector = span.detector;
    } else {
      merged.push(span);
    }
  }
  return merged;
}

export function isDetectorName(name: string): name is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(name);
}
