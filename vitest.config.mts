import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only the test folder: compiled output under dist/ must never be collected.
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/azuriteGlobalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep Azurite responsive next to the test workers.
    maxWorkers: 2,
  },
});
