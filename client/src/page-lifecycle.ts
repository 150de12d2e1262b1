/**
 * The page's life, for a mesh in a browser tab:
 *
 * - `pagehide`: the tab is going away. The leave notice is sent at once, synchronously
 *   (a data-channel `send` queues the bytes before the page is torn down; waiting for
 *   buffers to drain, as `leave()` does, is not possible here), and pending writes are
 *   handed to IndexedDB.
 * - `freeze` / `resume` (Page Lifecycle API): a frozen tab runs no timers, so the others
 *   suspect it and declare it dead. On `resume` the peer reconnects to signaling at once
 *   and asks for neighbours again; its node refutes the suspicion with a higher
 *   incarnation when it hears of it.
 *
 *   const stop = watchPageLifecycle({ onHide: () => mesh.leaveNow(), onResume: () => rejoin() })
 */
export interface PageLifecycleHandlers {
  onHide(): void
  onFreeze(): void
  onResume(): void
}

/** Returns a function that removes the listeners; a no-op where there is no document. */
export function watchPageLifecycle(handlers: PageLifecycleHandlers): () => void {
  const doc = (globalThis as { document?: Document }).document
  if (doc === undefined || typeof addEventListener !== 'function') return () => {}
  const onHide = (event: PageTransitionEvent) => {
    // A page kept in the back/forward cache may come back; Chromium never keeps pages
    // with open peer connections there, so a hide is treated as the end either way.
    void event
    handlers.onHide()
  }
  const onFreeze = () => handlers.onFreeze()
  const onResume = () => handlers.onResume()
  addEventListener('pagehide', onHide)
  doc.addEventListener('freeze', onFreeze)
  doc.addEventListener('resume', onResume)
  return () => {
    removeEventListener('pagehide', onHide)
    doc.removeEventListener('freeze', onFreeze)
    doc.removeEventListener('resume', onResume)
  }
}
