/**
 * `pnpm demo`: a signaling server on 127.0.0.1:4444 and the demo page on Vite's dev
 * server, together; Ctrl-C stops both.
 *
 *   pnpm demo                        # then open the printed URL in several tabs
 *   SIGNALING_PORT=4500 PORT=5180 pnpm demo
 */
import { join } from 'node:path'
import { createSignalingServer } from '@gossip-mesh/signaling-server'
import { createServer } from 'vite'

const root = join(import.meta.dirname, '..')
const signalingPort = Number(process.env.SIGNALING_PORT ?? 4444)
const pagePort = Number(process.env.PORT ?? 5173)

const signaling = await createSignalingServer({ host: '127.0.0.1', port: signalingPort })
const vite = await createServer({
  configFile: join(root, 'vite.config.ts'),
  server: { host: '127.0.0.1', port: pagePort, strictPort: false },
})
await vite.listen()

const page = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${pagePort}/`
// The page defaults to ws://127.0.0.1:4444; name the server only when it runs elsewhere.
const query =
  signalingPort === 4444 ? '?room=demo' : `?room=demo&signaling=${encodeURIComponent(signaling.url)}`
process.stdout.write(
  [
    `signaling server  ${signaling.url}`,
    `demo page         ${page}${query}`,
    'Open the page in several tabs: each tab is one peer. Ctrl-C stops both servers.',
    '',
  ].join('\n'),
)

let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  await Promise.allSettled([vite.close(), signaling.close()])
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
