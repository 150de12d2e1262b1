/**
 * The demo page: one tab is one peer. It joins the room named in the URL, shows its
 * neighbours and members, and mounts the shared paint grid. The mesh is exposed as
 * `window.mesh` for automation (the Playwright tests drive it).
 */
import { joinMesh, type Mesh } from '@gossip-mesh/client'
import { mountMemberPanel } from './member-panel'
import { readPageParams } from './page-params'
import { mountPaintGrid } from './paint-grid'

declare global {
  interface Window {
    mesh?: Mesh
    /** Set when joining failed, so automation can tell failure from slowness. */
    meshError?: string
    /** `performance.now()` when the grid showed the document: ms since navigation started. */
    meshReadyAt?: number
    /** `performance.now()` when the page script started joining. */
    meshStartAt?: number
  }
}

const status = document.querySelector('[data-testid="status"]') as HTMLElement

async function start(): Promise<void> {
  window.meshStartAt = performance.now()
  const params = readPageParams(location)
  if (!params.ok) throw new Error(params.error)
  ;(document.querySelector('[data-testid="room"]') as HTMLElement).textContent = params.options.room
  const mesh = await joinMesh(params.options)
  window.mesh = mesh
  document.title = `${mesh.id} · gossip-mesh`
  ;(document.querySelector('[data-testid="self-id"]') as HTMLElement).textContent = mesh.id
  const showStatus = (extra = ''): void => {
    const how = mesh.online ? `joined via ${params.options.signaling}` : 'offline (signaling unreachable)'
    status.textContent = `${how}${mesh.restored ? ', restored from storage' : ''}${extra}`
  }
  showStatus()
  status.dataset.state = 'joined'
  status.dataset.restored = String(mesh.restored)
  mountPaintGrid(document.querySelector('[data-testid="grid"]') as HTMLElement, mesh.doc, mesh.id)
  mountMemberPanel(document, mesh)
  window.meshReadyAt = performance.now()
  mesh.on('synced', ({ with: peer }) => showStatus(`, synced with ${peer}`))
  mesh.on('members', () => showStatus())
  // pagehide (a graceful leave) and freeze/resume are handled by joinMesh itself.
}

start().catch((err: Error) => {
  window.meshError = err.message
  status.textContent = `failed: ${err.message}`
  status.dataset.state = 'failed'
  console.error(err)
})
