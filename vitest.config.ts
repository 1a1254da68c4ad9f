import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Set-up hooks train or write small models; on a loaded 2-core machine that can take far longer than the 10 s default.
    hookTimeout: 60_000,
  },
});
