import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `source` condition, so tests
// run against src/ without a build and every package shares one copy of @tributary/api.
const conditions = ['source', 'import', 'module', 'node', 'default'];
// vitest hands ssr.resolve.conditions to the test workers as `node --conditions`: keep 'import' and 'module'
// out of them, or Node's own require() picks ESM/bundler builds inside CommonJS packages (pg, @aws-sdk/*).
const serverConditions = ['source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions: serverConditions, externalConditions: ['source'] } },
  test: {
    // vitest 4 runs one file at a time on a 2-core machine (availableParallelism - 1); the integration files
    // mostly wait on Kafka, Postgres and child processes, and vitest 3 ran two at once here: keep that.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'connectors/*/src/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // The services are shared; suites isolate themselves by topic, database and bucket names, and run
          // in parallel (fileParallelism and maxWorkers are global-only options, not per project).
        },
      },
    ],
  },
});
