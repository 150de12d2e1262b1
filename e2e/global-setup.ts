/**
 * Builds the demo once per run. The tests serve the build rather than Vite's dev server:
 * no on-demand transforms, and no dependency re-optimisation that reloads open tabs.
 */
import { join } from 'node:path'
import { build } from 'vite'
import { demoBuildDir, demoRoot } from './support/paths'

export default async function globalSetup(): Promise<void> {
  await build({
    configFile: join(demoRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: demoBuildDir, emptyOutDir: true },
  })
}
