import fs from 'node:fs';
import os from 'node:os';
import { listenerPid } from '../devstack/ports';

export const percentile = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

export const summary = (xs: number[]) => ({ n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs) });

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** CPU time (user + system, ms) of a process and, for a server like Postgres, its children. */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces) start at state; utime and stime are 14 and 15.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* the process ended */
    }
  }
  return ticks * TICK_MS;
}

function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
}

/** The processes of the stack, found by the ports they listen on; a missing one is left out. */
export function stackProcesses(ports: Record<string, number | undefined>): Record<string, () => number[]> {
  const found: Record<string, () => number[]> = {};
  for (const [name, port] of Object.entries(ports)) {
    const pid = port ? listenerPid(port) : undefined;
    if (pid !== undefined) found[name] = name === 'postgres' ? () => [pid, ...childrenOf(pid)] : () => [pid];
  }
  return found;
}

/** Accumulates CPU ms per process over the measured phases only. */
export function cpuMeter(processes: Record<string, () => number[]>) {
  const total: Record<string, number> = Object.fromEntries(Object.keys(processes).map((k) => [k, 0]));
  let start: Record<string, number> = {};
  return {
    begin() {
      start = Object.fromEntries(Object.entries(processes).map(([k, pids]) => [k, cpuMs(pids())]));
    },
    end() {
      for (const [k, pids] of Object.entries(processes)) total[k]! += cpuMs(pids()) - (start[k] ?? 0);
    },
    perOperation: (n: number) => Object.fromEntries(Object.entries(total).map(([k, ms]) => [k, Math.round((ms / n) * 100) / 100])),
  };
}

/** The machine's load while the bench ran, for the record next to the figures. */
export const machine = () => ({ cores: os.cpus().length, loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100) });

/**
 * A histogram of the worker's Prometheus endpoint (Core's metrics, in ms), summed over the series whose labels
 * contain `labels`: read it before and after a phase to get the phase's mean. Undefined when the endpoint is
 * unreachable (a stack without worker metrics).
 */
export async function workerHistogram(address: string, metric: string, labels: string): Promise<{ sum: number; count: number } | undefined> {
  const text = await fetch(`http://${address}/metrics`).then((r) => r.text(), () => undefined);
  if (text === undefined) return undefined;
  const total = { sum: 0, count: 0 };
  for (const line of text.split('\n')) {
    const m = /^(\w+)_(sum|count)\{(.*)\} (\S+)$/.exec(line);
    if (m?.[1] === metric && m[3]!.includes(labels)) total[m[2] as 'sum' | 'count'] += Number(m[4]);
  }
  return total;
}
