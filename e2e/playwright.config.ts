import { defineConfig } from '@playwright/test'

// Debian's Chromium, never a browser downloaded by Playwright (see ENVIRONMENT.md).
const CHROMIUM = '/usr/bin/chromium'

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
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Offer real host addresses instead of mDNS names, which need multicast to resolve.
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        // Every tab is a peer whose timers must run on time, focused or not.
        '--disable-background-timer-throttling',
        '--disable-renderer-backgrounding',
        '--disable-backgrounding-occluded-windows',
      ],
    },
  },
})
