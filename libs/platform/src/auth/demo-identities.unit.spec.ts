import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDemoIdentities } from './demo-identities.js';

const repoFile = fileURLToPath(new URL('../../../../config/demo-identities.yaml', import.meta.url));

describe('loadDemoIdentities', () => {
  it('loads the repo demo identities', async () => {
    const ids = await loadDemoIdentities(repoFile);
    const ci = ids.find((i) => i.name === 'ci-deployer');
    expect(ci).toMatchObject({ kind: 'pipeline', owner: 'alice', scopes: ['intents:write', 'grants:claim', 'policy:explain'] });
    expect(ids.some((i) => i.scopes.length === 0)).toBe(true);
    expect(ids.find((i) => i.name === 'carol')?.groups).toContain('auditors');
  });

  it('names the bad field of an invalid file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-ids-'));
    try {
      const file = join(dir, 'ids.yaml');
      await writeFile(file, 'identities:\n  - name: x\n    kind: robot\n');
      await expect(loadDemoIdentities(file)).rejects.toThrow(/identities\.0\.kind/);
      await writeFile(file, 'identities:\n  - name: x\n  - name: x\n');
      await expect(loadDemoIdentities(file)).rejects.toThrow(/duplicate identity x/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
