import { defineConfig } from 'vitest/config'

// Unit, property and simulation tests of every package run from the root in one pass.
// Playwright tests live in e2e/ and run with their own runner.
export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'client/**/*.test.ts', 'signaling-server/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
  },
})
