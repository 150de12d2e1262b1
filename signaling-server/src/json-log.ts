/**
 * Structured logs: one JSON object per line, so a log pipeline can index them without
 * parsing prose. The server takes a `log` function; the library default is silent, the CLI
 * writes JSON lines to stdout.
 *
 *   const log = jsonLog({ level: 'info' })
 *   log('info', 'listening', { url: 'ws://127.0.0.1:4444' })
 *   // {"time":"2025-01-01T00:00:00.000Z","level":"info","msg":"listening","url":"ws://127.0.0.1:4444"}
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export type Log = (level: LogLevel, msg: string, fields?: Readonly<Record<string, unknown>>) => void

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

/** Drops everything: the library default, so tests and embedders stay quiet. */
export const silentLog: Log = () => {}

export interface JsonLogOptions {
  /** Least severe level written. Default `'info'`. */
  level?: LogLevel
  /** Where lines go. Default `process.stdout.write`. */
  write?: (line: string) => void
  /** Clock for the `time` field. Default `() => new Date()`. */
  now?: () => Date
}

export function jsonLog(options: JsonLogOptions = {}): Log {
  const min = LOG_LEVELS.indexOf(options.level ?? 'info')
  const write = options.write ?? ((line: string) => process.stdout.write(line))
  const now = options.now ?? (() => new Date())
  return (level, msg, fields = {}) => {
    if (LOG_LEVELS.indexOf(level) < min) return
    // Fields come after time, level and msg so those cannot be overwritten by a field.
    write(`${JSON.stringify({ ...fields, time: now().toISOString(), level, msg })}\n`)
  }
}
