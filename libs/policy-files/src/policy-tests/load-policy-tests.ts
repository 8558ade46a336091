import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicyProblem } from '@countersign/contracts';
import { PolicyTestValidationError } from '../policy-validation.error.js';
import { listYamlFiles, parseYamlSource, zodProblems } from '../yaml-source.js';
import { DEFAULT_TEST_NOW, TestFile, type PolicyTest } from './test-fixture.js';

export interface LoadedPolicyTests {
  files: string[];
  tests: PolicyTest[];
}

function parseTestFile(file: string, text: string, problems: PolicyProblem[]): PolicyTest[] {
  const parsedYaml = parseYamlSource(file, text, { merge: true });
  if (!parsedYaml.ok) {
    problems.push(...parsedYaml.problems);
    return [];
  }
  const { source, value } = parsedYaml;
  const parsed = TestFile.safeParse(value);
  if (!parsed.success) {
    problems.push(...zodProblems(source, parsed.error));
    return [];
  }
  const seen = new Map<string, number | undefined>();
  const tests: PolicyTest[] = [];
  parsed.data.tests.forEach((test, i) => {
    const line = source.lineOf(['tests', i]);
    if (seen.has(test.name)) {
      const first = seen.get(test.name);
      const nameLine = source.lineOf(['tests', i, 'name']);
      problems.push({
        file,
        ...(nameLine !== undefined ? { line: nameLine } : {}),
        path: `tests.${i}.name`,
        message: `duplicate test name${first !== undefined ? `, already used at line ${first}` : ''}`,
      });
      return;
    }
    seen.set(test.name, line);
    tests.push({
      file,
      ...(line !== undefined ? { line } : {}),
      name: test.name,
      now: new Date(test.now ?? DEFAULT_TEST_NOW),
      intent: test.intent,
      expect: test.expect,
    });
  });
  return tests;
}

/**
 * Loads every *.yaml / *.yml in `dir` (top level, in name order) as policy test fixtures, or throws
 * PolicyTestValidationError with every problem in every file at once, each at its line.
 */
export async function loadPolicyTests(dir: string): Promise<LoadedPolicyTests> {
  let files: string[];
  try {
    files = await listYamlFiles(dir);
  } catch (error) {
    throw new PolicyTestValidationError(dir, [{ file: dir, path: '', message: `cannot read directory: ${(error as Error).message}` }]);
  }
  if (files.length === 0) {
    throw new PolicyTestValidationError(dir, [{ file: dir, path: '', message: 'no *.yaml or *.yml test files' }]);
  }
  const problems: PolicyProblem[] = [];
  const tests: PolicyTest[] = [];
  for (const file of files) {
    tests.push(...parseTestFile(file, await readFile(join(dir, file), 'utf8'), problems));
  }
  if (problems.length > 0) throw new PolicyTestValidationError(dir, problems);
  return { files, tests };
}
