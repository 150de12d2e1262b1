/**
 * Makes sure the system programs the tests drive are present: Debian's Chromium (never
 * a browser downloaded by Playwright) and redis-server for the signaling scale-out tests.
 * Installs them with apt-get when missing and running as root; otherwise fails with the
 * command to run.
 *
 *   await ensureSystemDeps()   // before Playwright and the Redis tests
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

interface SystemDep {
  readonly binary: string
  readonly aptPackage: string
}

const DEPS: readonly SystemDep[] = [
  { binary: '/usr/bin/chromium', aptPackage: 'chromium' },
  { binary: '/usr/bin/redis-server', aptPackage: 'redis-server' },
]

export function ensureSystemDeps(): void {
  const missing = DEPS.filter((d) => !existsSync(d.binary))
  if (missing.length === 0) return
  const packages = missing.map((d) => d.aptPackage)
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const sudo = isRoot ? [] : ['sudo', '-n']
  if (!isRoot && spawnSync('sudo', ['-n', 'true']).status !== 0) {
    throw new Error(`missing ${packages.join(', ')}: run  sudo apt-get install -y ${packages.join(' ')}`)
  }
  console.log(`installing ${packages.join(', ')} with apt-get`)
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...sudo, ...args] as [string, ...string[]]
    execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  }
  run(['apt-get', 'update'])
  run(['apt-get', 'install', '-y', '--no-install-recommends', ...packages])
  for (const d of missing)
    if (!existsSync(d.binary)) throw new Error(`${d.aptPackage} installed but ${d.binary} is missing`)
}
