import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Layering: contracts ← domain ← platform ← apps. Apps never import apps; only tests may use the
// testing library. Each constraint lists what a tag MAY depend on, so anything new is refused by default.
// The sdk is what pipelines, agents and targets embed: contracts (and jose) only, never the services' stack.
const layers = [
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'] },
  { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:platform'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:platform', 'type:sdk'] },
];
const withTesting = layers.map((c) =>
  c.sourceTag === 'type:contracts' || c.sourceTag === 'type:domain'
    ? c
    : { ...c, onlyDependOnLibsWithTags: [...new Set([...c.onlyDependOnLibsWithTags, 'type:testing'])] },
);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', '.data/**', '.nx/**', '**/*.mjs', '**/*.js'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: layers },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: withTesting },
      ],
    },
  },
  {
    // libs/domain is pure: no framework, no database, no network, no file system.
    files: ['libs/domain/**/*.ts', 'libs/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', '@prisma/*', 'pg', '@nats-io/*', 'node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:child_process', 'fs', 'http', 'net'], message: 'domain and contracts stay free of frameworks and I/O' },
          ],
        },
      ],
    },
  },
);
