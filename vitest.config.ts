import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'connectors/**/*.test.ts', 'webhooks/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
