import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Embedded PGlite takes a few seconds to boot on a busy 2-core machine.
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts', 'connectors/**/*.test.ts', 'webhooks/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
