import { describe, expect, it } from 'vitest';
import { DETECTOR_NAMES, type DetectorName, findSecrets, luhnValid } from './detectors.js';

/**
 * Fixtures are assembled from pieces so that secret scanners (push protection, secretlint in CI)
 * do not flag this file: none of them is a live credential.
 */
const PEM = (label: string, body: string) =>
  `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
const KEY_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7' + '\n' + 'q'.repeat(64) + '\n' + 'Zm9vYmFy==';
const AWS_KEY_ID = 'AKIA' + 'IOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/' + 'bPxRfiCYEXAMPLEKEY';
const GCP_KEY = 'AIza' + 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY';
const GITHUB_CLASSIC = 'ghp_' + 'a1B2c3D4e5'.repeat(3) + 'F6g7H8';
const GITHUB_FINE = 'github_pat_' + '11ABCDEFG0abcdefghijkl' + '_' + 'x9Y8'.repeat(14) + 'abc';
const SLACK_BOT = 'xoxb-' + '1234567890-1234567890123-' + 'AbCdEfGhIjKlMnOpQrStUvWx';
const SLACK_HOOK_PATH = 'T00000000/B00000000/' + 'XXXXXXXXXXXXXXXXXXXXXXXX';
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9' + '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ' + '.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

/** The substrings one detector would mask. */
function found(text: string, detector: DetectorName): string[] {
  return findSecrets(text, [detector]).map((s) => text.slice(s.start, s.end));
}

describe.each<[DetectorName, Array<[text: string, masked: string[]]>, string[]]>([
  [
    'private-key',
    [
      [`key:\n${PEM('RSA PRIVATE KEY', KEY_BODY)}\nend`, [PEM('RSA PRIVATE KEY', KEY_BODY)]],
      [PEM('PRIVATE KEY', KEY_BODY), [PEM('PRIVATE KEY', KEY_BODY)]],
      [PEM('OPENSSH PRIVATE KEY', KEY_BODY), [PEM('OPENSSH PRIVATE KEY', KEY_BODY)]],
      [PEM('ENCRYPTED PRIVATE KEY', KEY_BODY), [PEM('ENCRYPTED PRIVATE KEY', KEY_BODY)]],
      [PEM('PGP PRIVATE KEY BLOCK', KEY_BODY), [PEM('PGP PRIVATE KEY BLOCK', KEY_BODY)]],
      // JSON-escaped newlines, as in a GCP service-account file pasted into a field.
      [`{"private_key":"${PEM('PRIVATE KEY', 'MIIEv').replaceAll('\n', '\\n')}"}`, [PEM('PRIVATE KEY', 'MIIEv').replaceAll('\n', '\\n') ]],
      // Truncated: still key material, masked to the end.
      ['x -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI', ['-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI']],
    ],
    [PEM('PUBLIC KEY', KEY_BODY), PEM('CERTIFICATE', KEY_BODY), 'rotate the private key of the deploy user'],
  ],
  [
    'aws-access-key',
    [
      [AWS_KEY_ID, [AWS_KEY_ID]],
      [`AWS_ACCESS_KEY_ID=${AWS_KEY_ID}`, [AWS_KEY_ID]],
      ['creds ASIA' + 'Y34FZKBOKMUTVV7A, please', ['ASIA' + 'Y34FZKBOKMUTVV7A']],
    ],
    [
      AWS_KEY_ID.slice(0, -1), // 19 characters
      'X' + AWS_KEY_ID, // part of a longer token
      AWS_KEY_ID + '9',
      AWS_KEY_ID.toLowerCase(),
      'AIDA' + 'JQABLZS4A3QDU576', // an IAM user id: not a credential
    ],
  ],
  [
    'aws-secret-key',
    [
      [`aws_secret_access_key = ${AWS_SECRET}`, [AWS_SECRET]],
      [`AWS_SECRET_ACCESS_KEY="${AWS_SECRET}"`, [AWS_SECRET]],
      [`{"SecretAccessKey": "${AWS_SECRET}"}`, [AWS_SECRET]],
    ],
    [AWS_SECRET, `aws_secret_access_key = short`, `aws_secret_access_key = ${AWS_SECRET}x`],
  ],
  [
    'gcp-api-key',
    [
      [GCP_KEY, [GCP_KEY]],
      [`https://maps.googleapis.com/api?key=${GCP_KEY}&q=1`, [GCP_KEY]],
    ],
    ['AIza' + 'SyD-9tSrke72', GCP_KEY + 'x', 'AIzaRepo'],
  ],
  [
    'github-token',
    [
      [`token ${GITHUB_CLASSIC}`, [GITHUB_CLASSIC]],
      [GITHUB_FINE, [GITHUB_FINE]],
      ['gho_' + GITHUB_CLASSIC.slice(4), ['gho_' + GITHUB_CLASSIC.slice(4)]],
    ],
    ['ghp_short', 'ghx_' + GITHUB_CLASSIC.slice(4), 'see github_pat_docs'],
  ],
  [
    'slack-token',
    [
      [SLACK_BOT, [SLACK_BOT]],
      [`post to https://hooks.slack.com/services/${SLACK_HOOK_PATH} now`, [SLACK_HOOK_PATH]],
    ],
    ['xoxb', 'xoxb-123', 'https://slack.com/help/articles/1', 'https://hooks.slack.com/services/'],
  ],
  [
    'jwt',
    [
      [JWT, [JWT]],
      [`id_token=${JWT}&state=1`, [JWT]],
    ],
    ['eyJhbGciOiJIUzI1NiJ9', 'eyJ.a.b', 'eyJhbGciOiJIUzI1NiJ9.', 'the eyJ prefix'],
  ],
  [
    'bearer-token',
    [
      ['Authorization: Bearer abcdef0123456789abcdef', ['abcdef0123456789abcdef']],
      ['curl -H "authorization: bearer ya29.a0AfH6SMBx-long_token~x/y+z=="', ['ya29.a0AfH6SMBx-long_token~x/y+z==']],
      ['Authorization: Basic dXNlcjpwYXNzd29yZA==', ['dXNlcjpwYXNzd29yZA==']],
    ],
    ['the bearer of bad news', 'Bearer token expired', 'Bearer short', 'bearer-token'],
  ],
  [
    'url-password',
    [
      ['postgres://admin:s3cr3t-P4ss@db.internal:5432/app', ['s3cr3t-P4ss']],
      ['redis://:hunter22@cache:6379/0', ['hunter22']],
      ['see https://bob:pa%40ss@example.com/x', ['pa%40ss']],
      ['mongodb+srv://app:Xy!9z@cluster0.mongodb.net', ['Xy!9z']],
    ],
    [
      'https://example.com/a?b=c',
      'https://host:8080/path?mail=a@b.co',
      'postgres://admin@db/app',
      'https://user@example.com',
      'ssh git@github.com:org/repo.git',
    ],
  ],
  [
    'password-assignment',
    [
      ['password=hunter22', ['hunter22']],
      ['login with DB_PASSWORD: "correct horse battery"', ['correct horse battery']],
      ['{"password":"a\\"b c","user":"bob"}', ['a\\"b c']],
      ['{\\"password\\":\\"hunter2\\",\\"user\\":\\"bob\\"}', ['hunter2']],
      ["api_key='k-123'", ['k-123']],
      ['pwd: hunter2 then', ['hunter2']],
      ['clientSecret := abc123', ['abc123']],
      ['secret_key => "s"', ['s']],
      ['mysql --user=root --password hunter2 db', ['hunter2']],
      ['https://x.test/login?user=bob&password=xyz&next=/', ['xyz']],
      ['REFRESH_TOKEN=r1.r2', ['r1.r2']],
    ],
    [
      'password reset',
      'please reset your password',
      'passwords: 3',
      'passwordless login enabled',
      'password:',
      'password: ""',
      'secret_sauce=ketchup',
      'top secret plans',
      '--password --verbose',
    ],
  ],
  [
    'email',
    [
      ['bob@example.com', ['bob@example.com']],
      ['please export for bob.smith+tag@mail.example.co.uk today.', ['bob.smith+tag@mail.example.co.uk']],
      ['mailto:alice@example.org', ['alice@example.org']],
      ['(carol_1@sub-domain.example.io)', ['carol_1@sub-domain.example.io']],
      // Shaped like url credentials but not the url-password prefix: must still be masked.
      ['//a:b:bob@example.com', ['bob@example.com']],
      ['x'.repeat(40) + '://u:bob@example.com', ['bob@example.com']],
    ],
    ['user@', '@handle', 'ping @bob', 'lodash@4.17.21', 'user@localhost', 'a@b.c', 'postgres://u:pw@db.example.com'],
  ],
  [
    'card-number',
    [
      ['4111111111111111', ['4111111111111111']],
      ['card 4111 1111 1111 1111.', ['4111 1111 1111 1111']],
      ['4111-1111-1111-1111', ['4111-1111-1111-1111']],
      ['amex 3782 822463 10005', ['3782 822463 10005']],
      ['5555555555554444 and 6011111111111117', ['5555555555554444', '6011111111111117']],
      ['old visa 4222222222222', ['4222222222222']],
      ['4111 1111 1111 1111 1111 4', ['4111 1111 1111 1111']],
      // Next to other numbers: the card is found inside the longer run.
      ['ref 1234 4111 1111 1111 1111', ['4111 1111 1111 1111']],
      ['ref 12 4111111111111111 7', ['4111111111111111']],
      // 4000 0004 4111 1111 passes Luhn too and overlaps the card: both are masked, as one span.
      ['4000 0004 4111 1111 1111 1111', ['4000 0004 4111 1111 1111 1111']],
    ],
    [
      '4111111111111112', // 16-digit order id that fails Luhn
      'order 1234567812345678',
      '1700000000000', // epoch milliseconds
      '12345678901234567890',
      '41111111111111111111',
      'x4111111111111111',
      '4111111111111111.5',
      '1.2.3',
      '4111 1111',
    ],
  ],
])('%s', (detector, positives, negatives) => {
  it.each(positives)('masks %j', (text, masked) => {
    expect(found(text, detector)).toEqual(masked);
  });
  it.each(negatives)('leaves %j', (text) => {
    expect(found(text, detector)).toEqual([]);
  });
});

describe('card-number with Luhn', () => {
  it('follows the checksum', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('1234567812345678')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
  });

  it('masks a 19-digit number only when it passes Luhn', () => {
    const valid = '6011000990139424' + '000';
    const digits = [...valid].map(Number);
    // Fix the last digit so that the whole number passes.
    for (let d = 0; d <= 9; d++) {
      digits[18] = d;
      if (luhnValid(digits.join(''))) break;
    }
    const good = digits.join('');
    const bad = good.slice(0, 18) + String((Number(good[18]) + 1) % 10);
    expect(found(good, 'card-number')).toEqual([good]);
    expect(found(bad, 'card-number')).toEqual([]);
  });
});

describe('ordinary text', () => {
  it.each([
    '123e4567-e89b-12d3-a456-426614174000',
    '12345678-1234-1234-1234-123456789012',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '9834876543210987654321098765432109876543210987654321098765432109',
    '2024-05-01T12:34:56.789Z',
    '2024-05-01 12:34:56+02:00',
    'v2.14.0',
    '1.2.3-beta.4+build.5',
    'public.customers',
    'orders_2024_05',
    'select * from orders where id = 42 limit 100',
    'https://example.com/a?b=c',
    'https://example.com:8443/path/to?x=1&y=2#frag',
    's3://bucket/key/part-00000.parquet',
    '10.0.0.1:5432',
    'user@',
    'password reset',
    'rotate the password reset token tomorrow',
    'arn:aws:iam::123456789012:role/deployer',
    'export table customers from prod for the weekly report',
    'commit 3f9a1c0b2d4e5f60718293a4b5c6d7e8f9012345',
    'phone +1 415 555 0100',
  ])('%j triggers no detector', (text) => {
    expect(findSecrets(text, DETECTOR_NAMES)).toEqual([]);
  });
});

describe('overlapping detections', () => {
  it('merge into one span reported by the detector listed first', () => {
    const text = `Authorization: Bearer ${JWT}`;
    const spans = findSecrets(text, DETECTOR_NAMES);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.detector).toBe('jwt');
    expect(text.slice(spans[0]!.start, spans[0]!.end)).toBe(JWT);
  });

  it('keep separate values separate, in order', () => {
    const text = 'to bob@example.com and alice@example.org with 4111111111111111';
    expect(findSecrets(text, DETECTOR_NAMES).map((s) => [s.detector, text.slice(s.start, s.end)])).toEqual([
      ['email', 'bob@example.com'],
      ['email', 'alice@example.org'],
      ['card-number', '4111111111111111'],
    ]);
  });
});
