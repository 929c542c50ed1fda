import { readFileSync } from "node:fs";

/**
 * This process's peak resident set in MB. Linux's VmHWM belongs to the process's own address
 * space; getrusage's maxRSS also counts the parent's memory at fork, which would make a child's
 * figure at least its parent's. Falls back to maxRSS where /proc is not available.
 */
export function peakRssMb(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Math.round(Number(match[1]) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
