import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// Workspace libs resolve to their sources. Aliases rather than resolve.conditions: vitest hands
// conditions on to Node, and `pg` breaks under them (STACK.md).
const alias = [
  { find: /^@countersign\/(contracts|domain|testing|policy-files|sdk)$/, replacement: `${root}libs/$1/src/index.ts` },
  { find: /^@countersign\/platform\/(.+)$/, replacement: `${root}libs/platform/src/$1/index.ts` },
];

const shared = {
  // Nest's DI needs decorator metadata, which esbuild does not emit.
  plugins: [swc.vite({ tsconfigFile: `${root}tsconfig.base.json`, module: { type: 'es6' } })],
  resolve: { alias },
};

export default defineConfig({
  test: {
    projects: [
      {
        ...shared,
        test: { name: 'unit', include: ['{apps,libs}/**/*.unit.spec.ts', 'test/**/*.unit.spec.ts'] },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: ['{apps,libs}/**/*.int.spec.ts', 'test/**/*.int.spec.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.spec.ts', 'apps/**/*.e2e.spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // System tests start whole services; one file at a time keeps a 2-core machine honest.
          fileParallelism: false,
        },
      },
    ],
  },
});
