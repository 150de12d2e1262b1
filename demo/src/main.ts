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
  }
}

const status = document.querySelector('[data-testid="status"]') as HTMLElement

async function start(): Promise<void> {
  const params = readPageParams(location)
  if (!params.ok) throw new Error(params.error)
  ;(document.querySelector('[data-testid="room"]') as HTMLElement).textContent = params.options.room
  const mesh = await joinMesh(params.options)
  window.mesh = mesh
  document.title = `${mesh.id} · gossip-mesh`
  ;(document.querySelector('[data-testid="self-id"]') as HTMLElement).textContent = mesh.id
  status.textContent = `joined via ${params.options.signaling}`
  status.dataset.state = 'joined'
  mountPaintGrid(document.querySelector('[data-testid="grid"]') as HTMLElement, mesh.doc, mesh.id)
  mountMemberPanel(document, mesh)
  mesh.on('synced', ({ with: peer }) => {
    status.textContent = `joined via ${params.options.signaling}, synced with ${peer}`
  })
  // Tell the room we are going, so the others show "left" rather than waiting to suspect us.
  addEventListener('pagehide', () => void mesh.leave())
}

start().catch((err: Error) => {
  window.meshError = err.message
  status.textContent = `failed: ${err.message}`
  status.dataset.state = 'failed'
  console.error(err)
})
