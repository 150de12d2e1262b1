/**
 * A minimal typed event emitter. A listener that throws does not stop the others or the
 * mesh: its error is rethrown on a fresh task, where the platform reports it as uncaught.
 *
 *   const e = createEmitter<{ ping: (n: number) => void }>()
 *   const off = e.on('ping', (n) => console.log(n))
 *   e.emit('ping', 1)
 */
// biome-ignore lint/suspicious/noExplicitAny: listener maps are keyed by arbitrary signatures
type Listeners<L> = { [K in keyof L]: (...args: any[]) => void }

export interface Emitter<L extends Listeners<L>> {
  on<E extends keyof L>(event: E, listener: L[E]): () => void
  off<E extends keyof L>(event: E, listener: L[E]): void
  emit<E extends keyof L>(event: E, ...args: Parameters<L[E]>): void
  clear(): void
}

export function createEmitter<L extends Listeners<L>>(): Emitter<L> {
  const listeners = new Map<keyof L, Set<L[keyof L]>>()
  const emitter: Emitter<L> = {
    on(event, listener) {
      let set = listeners.get(event)
      if (set === undefined) {
        set = new Set()
        listeners.set(event, set)
      }
      set.add(listener)
      return () => emitter.off(event, listener)
    },
    off(event, listener) {
      listeners.get(event)?.delete(listener)
    },
    emit(event, ...args) {
      const set = listeners.get(event)
      if (set === undefined) return
      for (const listener of [...set]) {
        try {
          listener(...args)
        } catch (err) {
          setTimeout(() => {
            throw err
          })
        }
      }
    },
    clear() {
      listeners.clear()
    },
  }
  return emitter
}
