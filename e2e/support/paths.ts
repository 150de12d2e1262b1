/** Where the e2e harness finds the demo and puts its build. */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const demoRoot = join(repoRoot, 'demo')
/** The demo built for the tests, apart from `pnpm build`'s demo/dist. Git-ignored (.tmp/). */
export const demoBuildDir = join(repoRoot, '.tmp', 'e2e-demo')
