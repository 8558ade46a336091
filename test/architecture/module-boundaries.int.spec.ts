import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The boundary rule reads Nx's project graph; computing it here makes the test independent of
// whether anyone ran nx before (without a graph the rule silently skips itself).
beforeAll(() => {
  execFileSync(process.execPath, [`${root}node_modules/nx/dist/bin/nx.js`, 'show', 'projects'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    stdio: 'ignore',
  });
}, 60_000);

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries' || m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('module boundaries', () => {
  it.each([
    ['an app importing another app', 'apps/intake/src/probe.ts', "import '@countersign/broker';"],
    ['domain importing platform', 'libs/domain/src/probe.ts', "import { createLogger } from '@countersign/platform/logging';\nexport const x = createLogger;"],
    ['contracts importing domain', 'libs/contracts/src/probe.ts', "import { evolve } from '@countersign/domain';\nexport const x = evolve;"],
    ['platform importing an app', 'libs/platform/src/config/probe.ts', "import '@countersign/audit';"],
    ['production app code importing the testing lib', 'apps/policy/src/probe.ts', "import { startNatsServer } from '@countersign/testing';\nexport const x = startNatsServer;"],
    ['domain importing a framework', 'libs/domain/src/probe.ts', "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;"],
    ['domain doing I/O', 'libs/domain/src/probe.ts', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;"],
  ])('refuses %s', async (_name, file, code) => {
    expect(await boundaryErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['an app importing platform and domain', 'apps/intake/src/probe.ts', "import { evolve } from '@countersign/domain';\nimport { loadConfig } from '@countersign/platform/config';\nexport const x = [evolve, loadConfig];"],
    ['a test importing the testing lib', 'apps/policy/src/probe.int.spec.ts', "import { startNatsServer } from '@countersign/testing';\nexport const x = startNatsServer;"],
  ])('allows %s', async (_name, file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });
});
