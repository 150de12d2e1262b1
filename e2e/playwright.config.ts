import { defineConfig } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS } from './support/chromium'

export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  // Each test opens up to five WebRTC tabs; on a 2-core machine one test at a time is fastest overall.
  workers: 1,
  // Generous: the tabs share two cores with everything else the machine runs.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
  use: {
    browserName: 'chromium',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    },
  },
})
