/**
 * The shared widget: a grid of cells any tab can paint. The paint lives in a Y.Map of the
 * mesh's document (`cells`: "row:col" → { by, color, at }); when the arrival is recorded
 * is local to this tab, so each cell shows who painted it, when the paint reached this
 * tab, and how long after it was painted (the tabs share one machine's clock).
 *
 *   mountPaintGrid(element, mesh.doc, mesh.id, { rows: 8, columns: 10 })
 */
import type * as Y from 'yjs'

export interface Paint {
  /** The painter's peer id. */
  readonly by: string
  readonly color: string
  /** When it was painted, by the painter's clock (ms since the epoch). */
  readonly at: number
}

export interface PaintGridOptions {
  /** Default 8. */
  rows?: number
  /** Default 10. */
  columns?: number
}

const DEFAULTS = { rows: 8, columns: 10 }

/** A stable, readable colour per peer id. */
export function colorOf(id: string): string {
  let h = 0
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0
  return `hsl(${h % 360} 70% 75%)`
}

function isPaint(value: unknown): value is Paint {
  const p = value as Paint | null
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.by === 'string' &&
    typeof p.color === 'string' &&
    typeof p.at === 'number'
  )
}

const time = (ms: number): string => new Date(ms).toISOString().slice(11, 23)

export function mountPaintGrid(
  root: HTMLElement,
  doc: Y.Doc,
  self: string,
  options: PaintGridOptions = {},
): void {
  const { rows, columns } = { ...DEFAULTS, ...options }
  const cells = doc.getMap<Paint>('cells')
  /** When each cell's current paint arrived here; local, never shared. */
  const arrivals = new Map<string, number>()
  const buttons = new Map<string, HTMLButtonElement>()

  root.style.setProperty('--columns', String(columns))
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const key = `${r}:${c}`
      const button = document.createElement('button')
      button.className = 'cell'
      button.dataset.cell = key
      button.title = `cell ${key}`
      button.addEventListener('click', () =>
        cells.set(key, { by: self, color: colorOf(self), at: Date.now() }),
      )
      buttons.set(key, button)
      root.append(button)
    }
  }

  const render = (key: string, flash: boolean): void => {
    const button = buttons.get(key)
    if (button === undefined) return
    const paint = cells.get(key)
    if (!isPaint(paint)) {
      button.style.background = ''
      button.textContent = ''
      delete button.dataset.by
      delete button.dataset.arrived
      return
    }
    const arrived = arrivals.get(key) ?? Date.now()
    button.style.background = paint.color
    button.dataset.by = paint.by
    button.dataset.arrived = String(arrived)
    button.textContent = ''
    const by = document.createElement('div')
    by.textContent = paint.by === self ? `${paint.by} (me)` : paint.by
    const at = document.createElement('div')
    at.textContent = time(arrived)
    const delay = document.createElement('div')
    delay.textContent = `+${Math.max(0, arrived - paint.at)} ms`
    button.append(by, at, delay)
    if (flash) {
      button.classList.remove('arrived')
      void button.offsetWidth // restart the animation
      button.classList.add('arrived')
    }
  }

  cells.observe((event) => {
    const now = Date.now()
    for (const key of event.keysChanged) {
      arrivals.set(key, now)
      render(key, true)
    }
  })
  for (const key of buttons.keys()) render(key, false)
}
