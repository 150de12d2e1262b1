// The least a `ws` signaling server can hold per connection, for heap-probe.ts to compare
// against: node:http + ws with the same settings as ours, a shared message handler that
// answers a join with an empty welcome, and no state of its own (no rooms, no sessions,
// no limits). Not a usable server; a floor under any server built on `ws`.
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false })
function onMessage(data) {
  const m = JSON.parse(String(data))
  if (m.type === 'join') this.send(JSON.stringify({ type: 'welcome', room: m.room, peers: [] }))
}
const server = createServer((_req, res) => res.writeHead(426).end())
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', onMessage))
})
const port = Number(process.env.PORT)
server.listen(port, '127.0.0.1', () => console.log(`floor listening on ${port}`))
