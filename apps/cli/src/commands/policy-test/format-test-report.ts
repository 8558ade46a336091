import { join } from 'node:path';
import type { PolicyTestReport, PolicyTestResult } from '@countersign/policy-files';

/** `tests/data.yaml:14`: fixture files are named from where the command ran, so a terminal can open them. */
export function testLocation(testsDir: string, result: Pick<PolicyTestResult, 'file' | 'line'>): string {
  const file = join(testsDir, result.file);
  return result.line !== undefined ? `${file}:${result.line}` : file;
}

/** One line per test, each mismatch indented under its failing test, then the summary. */
export function formatTestReport(testsDir: string, report: PolicyTestReport): string {
  const lines: string[] = [];
  for (const result of report.results) {
    lines.push(`${result.passed ? 'PASS' : 'FAIL'} ${testLocation(testsDir, result)} ${result.name}`);
    for (const mismatch of result.mismatches) lines.push(`       ${mismatch}`);
  }
  lines.push('', `${report.passed} passed, ${report.failed} failed`);
  return lines.join('\n');
}

/** The report with each file named from the working directory, as the human output does. */
export function reportJson(testsDir: string, report: PolicyTestReport): unknown {
  return { ok: report.failed === 0, ...report, results: report.results.map((r) => ({ ...r, file: join(testsDir, r.file) })) };
}
