/**
 * How the tests start Chromium: Debian's build, never one downloaded by Playwright
 * (see ENVIRONMENT.md), with the flags every tab-as-a-peer needs. Shared by
 * playwright.config.ts and by the separate browser of `freezable-browser.ts`.
 */
export const CHROMIUM = '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Offer real host addresses instead of mDNS names, which need multicast to resolve.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  // Every tab is a peer whose timers must run on time, focused or not. (None of these
  // stops a tab from being frozen on purpose: see freezable-browser.ts.)
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
]
