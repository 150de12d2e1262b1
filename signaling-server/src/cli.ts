/**
 * `gossip-mesh-signal`: run a signaling server, or mint a room token, from the command line.
 * Flags and environment variables are listed in cli-args.ts and the README.
 *
 *   gossip-mesh-signal --port 4499
 *   # gossip-mesh-signal listening on ws://127.0.0.1:4499
 *   GOSSIP_MESH_SIGNAL_SECRET=s gossip-mesh-signal token --room doc-42 --ttl 600
 */
import { CliUsageError, parseCli } from './cli-args'
import { SignalingServerError } from './errors'
import { jsonLog } from './json-log'
import { mintRoomToken } from './room-token'
import { createSignalingServer } from './server'

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2), process.env)
  if (cli.command === 'help') {
    process.stdout.write(cli.text)
    return 0
  }
  if (cli.command === 'token') {
    const expiresAt = Date.now() + cli.ttlSeconds * 1000
    process.stdout.write(`${mintRoomToken({ secret: cli.secret, room: cli.room, expiresAt })}\n`)
    return 0
  }
  const log = jsonLog({ level: cli.logLevel })
  const server = await createSignalingServer({ ...cli.options, log })
  // A plain line beside the JSON logs, for people and scripts that wait for the port.
  process.stdout.write(`gossip-mesh-signal listening on ${server.url}\n`)
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log('info', 'signal received', { signal })
      void server.close().then(resolve)
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
  return 0
}

main().then(
  (status) => process.exit(status),
  (err: unknown) => {
    if (err instanceof CliUsageError || err instanceof SignalingServerError) {
      process.stderr.write(`gossip-mesh-signal: ${err.message}\n`)
      if (err instanceof CliUsageError) process.stderr.write('run gossip-mesh-signal --help for the flags\n')
      process.exit(2)
    }
    process.stderr.write(`gossip-mesh-signal: ${(err as Error)?.stack ?? String(err)}\n`)
    process.exit(1)
  },
)
