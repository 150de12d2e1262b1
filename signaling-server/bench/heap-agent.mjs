// Preloaded (node --expose-gc --import) into a server process by heap-probe.ts, for either
// server alike: on an IPC message it runs a full GC and answers with process.memoryUsage(),
// or writes a heap snapshot. It adds nothing per connection.
import { writeHeapSnapshot } from 'node:v8'

process.on('message', (m) => {
  if (m?.cmd === 'memory') {
    globalThis.gc?.()
    globalThis.gc?.()
    process.send?.({ evt: 'memory', usage: process.memoryUsage() })
  } else if (m?.cmd === 'snapshot') {
    globalThis.gc?.()
    process.send?.({ evt: 'snapshot', file: writeHeapSnapshot(m.file) })
  }
})
// The IPC channel must not keep a server alive that would otherwise exit.
process.channel?.unref()
