/**
 * The GossipProvider page: a textarea bound to a Y.Text through the y-webrtc-shaped
 * provider, awareness showing who is here and where their caret is, and buttons for
 * `disconnect()` / `connect()`. `window.provider` and `window.ydoc` are exposed for
 * automation (e2e/tests/provider.spec.ts drives it).
 *
 *   /provider.html?room=notes&name=Ada                  (signaling as on the main page)
 *   /provider.html?room=notes&name=Ada&probeIntervalMs=500
 *
 * Persistence is off here: tabs of one origin share IndexedDB, so a tab reconnecting
 * would read the other tabs' edits from storage; this page shows them arriving through
 * the mesh.
 */
import { GossipProvider } from '@gossip-mesh/client'
import * as Y from 'yjs'
import { readPageParams } from './page-params'

declare global {
  interface Window {
    provider?: GossipProvider
    ydoc?: Y.Doc
    /** Every `status` and `synced` event the provider emitted, in order. */
    providerEvents?: { status: boolean[]; synced: boolean[] }
    /** Set when the page could not start (bad parameters). */
    providerError?: string
  }
}

/** The origin of this page's own edits, so the text observer skips them. */
const LOCAL = Symbol('local edit')

const $ = (testId: string) => document.querySelector(`[data-testid="${testId}"]`) as HTMLElement

function start(): void {
  const query = new URLSearchParams(location.search)
  const name = query.get('name') || `user-${Math.random().toString(36).slice(2, 6)}`
  query.delete('name') // the page's own parameter; the rest are the main page's
  const params = readPageParams({
    search: `?${query}`,
    hostname: location.hostname,
    protocol: location.protocol,
  })
  if (!params.ok) throw new Error(params.error)
  const { room, signaling, id, node } = params.options
  $('room').textContent = room
  $('user-name').textContent = name

  const ydoc = new Y.Doc()
  const text = ydoc.getText('text')
  const provider = new GossipProvider(room, ydoc, {
    signaling,
    persist: false,
    ...(id === undefined ? {} : { id }),
    ...(node === undefined ? {} : { node }),
  })
  window.ydoc = ydoc
  window.provider = provider
  const events = { status: [] as boolean[], synced: [] as boolean[] }
  window.providerEvents = events

  const status = $('status')
  provider.on('status', ({ connected }) => {
    events.status.push(connected)
    status.textContent = connected ? `connected as ${provider.mesh?.id}` : 'disconnected'
    status.dataset.connected = String(connected)
  })
  const synced = $('synced')
  provider.on('synced', ({ synced: now }) => {
    events.synced.push(now)
    synced.textContent = now ? 'synced' : 'not synced'
    synced.dataset.synced = String(now)
  })
  provider.on('peers', ({ webrtcPeers }) => {
    $('peers').replaceChildren(
      ...webrtcPeers.map((peer) => Object.assign(document.createElement('li'), { textContent: peer })),
    )
  })
  provider.on('error', (e) => console.warn('provider error', e))

  bindTextarea($('editor') as HTMLTextAreaElement, text, provider, name)
  ;($('disconnect') as HTMLButtonElement).onclick = () => void provider.disconnect()
  ;($('connect') as HTMLButtonElement).onclick = () => void provider.connect()
}

/** Two-way binding of a textarea and a Y.Text, with the caret published as awareness. */
function bindTextarea(
  editor: HTMLTextAreaElement,
  text: Y.Text,
  provider: GossipProvider,
  name: string,
): void {
  const awareness = provider.awareness
  let shown = text.toString()
  editor.value = shown
  const publish = (): void => awareness.setLocalStateField('cursor', { index: editor.selectionStart })
  awareness.setLocalState({ user: { name }, cursor: { index: 0 } })

  editor.addEventListener('input', () => {
    const next = editor.value
    // A textarea edit is one contiguous change: what lies between the common prefix and suffix.
    let start = 0
    while (start < shown.length && start < next.length && shown[start] === next[start]) start++
    let end = 0
    while (
      end < shown.length - start &&
      end < next.length - start &&
      shown[shown.length - 1 - end] === next[next.length - 1 - end]
    )
      end++
    text.doc?.transact(() => {
      if (shown.length - start - end > 0) text.delete(start, shown.length - start - end)
      if (next.length - start - end > 0) text.insert(start, next.slice(start, next.length - end))
    }, LOCAL)
    shown = next
    publish()
  })
  editor.addEventListener('select', publish)
  editor.addEventListener('keyup', publish)
  editor.addEventListener('click', publish)

  text.observe((event) => {
    if (event.transaction.origin === LOCAL) return
    // Keep the caret on the same character: shift it by what changed before it.
    const shift = (index: number): number => {
      let old = 0 // position in the text before this change
      let moved = index
      for (const op of event.delta) {
        if (old >= index) break
        if (op.retain !== undefined) old += op.retain
        else if (op.insert !== undefined) moved += typeof op.insert === 'string' ? op.insert.length : 1
        else if (op.delete !== undefined) {
          moved -= Math.min(op.delete, index - old)
          old += op.delete
        }
      }
      return moved
    }
    const [from, to] = [shift(editor.selectionStart), shift(editor.selectionEnd)]
    shown = text.toString()
    editor.value = shown
    editor.setSelectionRange(from, to)
  })

  const list = $('awareness')
  const render = (): void => {
    const items: HTMLElement[] = []
    for (const [clientId, state] of awareness.getStates()) {
      const user = (state as { user?: { name?: unknown } }).user
      if (typeof user?.name !== 'string') continue
      const cursor = (state as { cursor?: { index?: unknown } }).cursor?.index
      const li = document.createElement('li')
      li.dataset.name = user.name
      li.dataset.self = String(clientId === awareness.clientID)
      li.textContent = `${user.name}${clientId === awareness.clientID ? ' (you)' : ''}${
        typeof cursor === 'number' ? ` · caret at ${cursor}` : ''
      }`
      items.push(li)
    }
    list.replaceChildren(...items)
  }
  awareness.on('change', render)
  render()
}

try {
  start()
} catch (err) {
  window.providerError = (err as Error).message
  $('status').textContent = `failed: ${(err as Error).message}`
  console.error(err)
}
