/**
 * gossip-mesh-agent: join a room from Node.js and stay until SIGINT or SIGTERM.
 *
 *   gossip-mesh-agent --room demo --signaling ws://127.0.0.1:4444 [--name build-bot]
 *                     [--id agent-1] [--persist-dir ./state]
 *
 * Logs JSON lines on stdout (joined, member, neighbors, synced, error, leaving, left).
 * Exit codes: 0 after a clean leave, 1 when joining fails, 2 on bad arguments.
 */
import { parseArgs } from 'node:util'
import { runAgent } from './run-agent'

const USAGE =
  'usage: gossip-mesh-agent --room ROOM --signaling ws://HOST:PORT [--name NAME] [--id ID] [--persist-dir DIR]'

function fail(message: string, code: number): never {
  process.stderr.write(`gossip-mesh-agent: ${message}\n`)
  process.exit(code)
}

let args: ReturnType<typeof parse>
function parse() {
  return parseArgs({
    options: {
      room: { type: 'string' },
      signaling: { type: 'string' },
      name: { type: 'string' },
      id: { type: 'string' },
      'persist-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
}
try {
  args = parse()
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`, 2)
}
if (args.values.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
const { room, signaling, name, id } = args.values
if (room === undefined || signaling === undefined) fail(`--room and --signaling are required\n${USAGE}`, 2)

const log = (line: string) => process.stdout.write(`${line}\n`)
const agent = await runAgent(
  {
    room,
    signaling,
    ...(name === undefined ? {} : { name }),
    ...(id === undefined ? {} : { id }),
    ...(args.values['persist-dir'] === undefined ? {} : { persistDir: args.values['persist-dir'] }),
  },
  log,
).catch((err: Error) => fail(`${err.name}: ${err.message}`, 1))

const onSignal = (signal: NodeJS.Signals) => {
  log(JSON.stringify({ t: new Date().toISOString(), event: 'signal', signal }))
  agent.stop().then(
    () => process.exit(0),
    (err: Error) => fail(`leaving failed: ${err.message}`, 1),
  )
}
process.once('SIGINT', onSignal)
process.once('SIGTERM', onSignal)
