import { describe, expect, it } from 'vitest';
import { formatTestReport, reportJson } from './format-test-report.js';

const report = {
  policyVersion: 'v',
  passed: 1,
  failed: 1,
  results: [
    { file: 'a.yaml', line: 2, name: 'good', passed: true, mismatches: [] },
    { file: 'a.yaml', line: 9, name: 'bad', passed: false, mismatches: ['decision: expected allow, got deny', 'quorum: expected 1, got none'] },
  ],
};

describe('formatTestReport', () => {
  it('prints each test at its file and line, mismatches under the failing one, then the summary', () => {
    expect(formatTestReport('policies/tests', report)).toBe(
      [
        'PASS policies/tests/a.yaml:2 good',
        'FAIL policies/tests/a.yaml:9 bad',
        '       decision: expected allow, got deny',
        '       quorum: expected 1, got none',
        '',
        '1 passed, 1 failed',
      ].join('\n'),
    );
  });

  it('names files from the working directory in JSON too', () => {
    expect(reportJson('t', report)).toMatchObject({ ok: false, results: [{ file: 't/a.yaml' }, { file: 't/a.yaml' }] });
  });
});
