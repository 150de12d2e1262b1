/**
 * Small measurement helpers of the signaling benchmark: percentiles, and the resident
 * memory and CPU time of another process read from /proc.
 *
 *   percentile([3, 1, 2], 0.5)    // 2
 *   readRssBytes(child.pid)       // VmRSS of that process
 */
import { readFileSync } from 'node:fs'

/** The q-quantile (0..1) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}

function statusField(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`))
  if (line === undefined) throw new Error(`no ${field} for pid ${pid}`)
  return Number(line.replace(/\D+/g, '')) * 1024 // reported in kB
}

/** Resident memory of a process now, in bytes. */
export const readRssBytes = (pid: number): number => statusField(pid, 'VmRSS')
/** Peak resident memory of a process so far, in bytes. */
export const readPeakRssBytes = (pid: number): number => statusField(pid, 'VmHWM')

/** User + system CPU time a process has used, in seconds. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
  return ticks / 100 // USER_HZ is 100 on Linux
}
