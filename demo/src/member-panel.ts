/**
 * The membership side panel: neighbours, members with their states, stats and the last
 * few error events, redrawn from the mesh's events.
 *
 *   mountMemberPanel(document, mesh)
 */
import type { Member, Mesh, MeshErrorEvent } from '@gossip-mesh/client'

/** Error events kept on screen; older ones scroll away so the list stays bounded. */
const MAX_ERRORS_SHOWN = 20

const time = (ms: number): string => new Date(ms).toISOString().slice(11, 19)

export function mountMemberPanel(root: ParentNode, mesh: Mesh): void {
  const neighborsEl = root.querySelector('[data-testid="neighbors"]') as HTMLElement
  const membersEl = root.querySelector('[data-testid="members"] tbody') as HTMLElement
  const statsEl = root.querySelector('[data-testid="stats"]') as HTMLElement
  const errorsEl = root.querySelector('[data-testid="errors"]') as HTMLElement

  const renderNeighbors = (neighbors: string[]): void => {
    neighborsEl.replaceChildren(
      ...neighbors.map((id) => {
        const li = document.createElement('li')
        li.dataset.peer = id
        li.textContent = id
        return li
      }),
    )
  }

  const renderMembers = (members: Member[]): void => {
    const sorted = [...members].sort((a, b) => a.id.localeCompare(b.id))
    membersEl.replaceChildren(
      ...sorted.map((m) => {
        const tr = document.createElement('tr')
        tr.dataset.peer = m.id
        tr.dataset.state = m.state
        const name =
          typeof (m.meta as { name?: unknown })?.name === 'string'
            ? ` (${(m.meta as { name: string }).name})`
            : ''
        for (const text of [`${m.id}${m.self ? ' (me)' : ''}${name}`, m.state, time(m.since)]) {
          const td = document.createElement('td')
          td.textContent = text
          tr.append(td)
        }
        return tr
      }),
    )
  }

  const renderStats = (): void => {
    const s = mesh.stats()
    statsEl.textContent = [
      `frames sent ${s.framesSent} (${s.bytesSent} B), received ${s.framesReceived} (${s.bytesReceived} B)`,
      `updates originated ${s.updatesOriginated}, applied ${s.updatesApplied}, duplicates ${s.duplicatesReceived}`,
      `channels opened ${s.connections.linksOpened}, closed ${s.connections.linksClosed}, timed out ${s.connections.connectTimeouts}`,
      `signaling reconnects ${s.signaling.reconnects}, synced ${mesh.synced}`,
    ].join('\n')
  }

  const addError = (e: MeshErrorEvent): void => {
    const li = document.createElement('li')
    li.textContent = `${time(Date.now())} ${e.source}/${e.code}${e.peer ? ` from ${e.peer}` : ''}: ${e.message}`
    errorsEl.prepend(li)
    while (errorsEl.childElementCount > MAX_ERRORS_SHOWN) errorsEl.lastElementChild?.remove()
  }

  mesh.on('neighbors', renderNeighbors)
  mesh.on('members', renderMembers)
  mesh.on('error', addError)
  renderNeighbors(mesh.neighbors())
  renderMembers(mesh.members())
  renderStats()
  setInterval(renderStats, 1_000)
}
