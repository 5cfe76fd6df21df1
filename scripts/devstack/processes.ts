import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { Writable } from 'node:stream';

/** Prefixes every line a child prints, so four processes stay readable in one terminal. */
export function prefixLines(child: ChildProcess, tag: string, out: Writable = process.stdout): { mute(): void } {
  let muted = false;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => muted || out.write(`${tag} ${line}\n`));
  }
  // A server that is being stopped complains about its own clients going away; nobody needs that.
  return { mute: () => { muted = true; } };
}

/**
 * `detached` puts a service in its own process group, so a terminal's Ctrl-C reaches only the parent,
 * which then stops the apps first and the services after them.
 */
export function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv, { detached = false } = {}): ChildProcess {
  // process.execArgv carries tsx's loader when run from source, so children run the same way.
  return spawn(process.execPath, [...process.execArgv, script, ...args], { env, detached, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Sends `signal`, and SIGKILL if the child has not exited within `graceMs`. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
