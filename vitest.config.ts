import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) without `exports`. Node always loads the CJS
    // build, but Vite would give our sources the ESM one: two GraphQLError classes, and yoga would
    // mask our typed errors. Pin the one Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/reporters/summary-line.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores: keep files in a small pool; each file starts its own simulator on a random port.
    maxWorkers: 2,
  },
});
