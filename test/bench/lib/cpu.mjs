// CPU time of processes, from /proc/<pid>/stat (utime + stime, in clock ticks): what each service costs
// per intent, whatever else runs on the machine. Linux only; elsewhere the figures are left out.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 is the Linux default.
}

/** CPU milliseconds used so far by `pid`, or undefined when it cannot be read. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * Snapshot of named groups of processes; `since(snapshot)` gives CPU ms used by each group in between.
 * @param {() => Promise<Record<string, number[]>>} groups name → pids (re-read at each snapshot: Postgres
 *   backends come and go with the pools; a pid seen only at the end counts from zero)
 */
export function cpuMeter(groups) {
  const read = async () => {
    const byGroup = await groups();
    /** @type {Record<string, Map<number, number>>} */
    const out = {};
    for (const [name, pids] of Object.entries(byGroup)) {
      out[name] = new Map();
      for (const pid of pids) {
        const ms = cpuMs(pid);
        if (ms !== undefined) out[name].set(pid, ms);
      }
    }
    return out;
  };
  return {
    snapshot: read,
    /** CPU ms per group since `before`. */
    async since(before) {
      const after = await read();
      /** @type {Record<string, number>} */
      const used = {};
      for (const [name, pids] of Object.entries(after)) {
        let total = 0;
        for (const [pid, ms] of pids) total += ms - (before[name]?.get(pid) ?? 0);
        used[name] = total;
      }
      return used;
    },
  };
}
