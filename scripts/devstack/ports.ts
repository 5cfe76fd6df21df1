import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';

/** An ephemeral port the OS considers free right now (tests run several stacks side by side). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The pid listening on a TCP port, from /proc (Linux); undefined when it cannot be told. */
export function listenerPid(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, state 0A is LISTEN, the inode is column 10.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return Number(pid);
    }
  }
  return undefined;
}

/** Who listens on a TCP port: "pid 123 (maildev --smtp 1025)", or undefined when it cannot be told. */
export function portOwner(port: number): string | undefined {
  const pid = listenerPid(port);
  if (pid === undefined) return undefined;
  const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).map((a) => path.basename(a)).join(' ');
  return `pid ${pid} (${cmd.slice(0, 120)})`;
}

/** Fails with one message naming every port that is already taken, and its owner when it can be told. */
export async function ensurePortsFree(ports: { name: string; port: number }[]): Promise<void> {
  const busy: string[] = [];
  for (const { name, port } of ports) {
    if (await isListening(port)) busy.push(`port ${port} (${name}) is already in use${portOwner(port) ? ` by ${portOwner(port)}` : ''}`);
  }
  if (busy.length) {
    throw new Error(`${busy.join('; ')}. Stop that program, or point the matching variable (PORT, DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL) at your own service.`);
  }
}
