/**
 * The one test command (`pnpm test`): installs missing system programs, then type-checks,
 * lints, builds the demo, runs unit/property/simulation tests (Vitest) and browser tests
 * (Playwright), and ends with the line `N passed, N failed` summed over both runners.
 * Exits non-zero if any step fails.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureSystemDeps } from './system-deps'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const out = join(root, '.tmp', 'test-results')
mkdirSync(out, { recursive: true })

function step(name: string, cmd: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`)
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  if (result.status !== 0) console.log(`=== ${name} failed (exit ${result.status ?? result.signal})`)
  return result.status === 0
}

function readJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

ensureSystemDeps()
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const vitestJson = join(out, 'vitest.json')
const playwrightJson = join(out, 'playwright.json')
rmSync(vitestJson, { force: true })
rmSync(playwrightJson, { force: true })

let ok = true
ok = step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']) && ok
ok = step('lint', bin('biome'), ['check', '.']) && ok
ok = step('build', 'npx', ['-y', 'pnpm@10.34.9', '--filter', '@gossip-mesh/demo', 'build']) && ok
ok =
  step('unit, property and simulation tests', bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${vitestJson}`,
  ]) && ok
ok =
  step(
    'browser tests',
    'npx',
    ['-y', 'pnpm@10.34.9', '--filter', '@gossip-mesh/e2e', 'exec', 'playwright', 'test'],
    {
      PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
    },
  ) && ok

const vitest = readJson(vitestJson)
const playwright = readJson(playwrightJson)
const stats = (playwright?.stats ?? {}) as Record<string, number>
const passed = Number(vitest?.numPassedTests ?? 0) + (stats.expected ?? 0) + (stats.flaky ?? 0)
let failed = Number(vitest?.numFailedTests ?? 0) + (stats.unexpected ?? 0)
if (vitest === undefined || playwright === undefined) {
  console.log(`missing results from ${vitest === undefined ? 'vitest' : 'playwright'}`)
  failed = Math.max(failed, 1)
}
if (!ok) failed = Math.max(failed, 1)
console.log(`\n${passed} passed, ${failed} failed`)
process.exit(failed === 0 && ok ? 0 : 1)
