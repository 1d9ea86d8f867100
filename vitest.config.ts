import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Embedded PGlite takes a few seconds to boot on a busy 2-core machine.
    hookTimeout: 60_000,
    // Tests that start the command line or a browser wait on process start-up, slow on a loaded machine.
    testTimeout: 30_000,
    include: ['src/**/*.test.ts', 'connectors/**/*.test.ts', 'webhooks/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
