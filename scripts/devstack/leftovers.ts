import fs from 'node:fs';

/**
 * Remembers the services `npm start` launched, so a start after a crash (or after the terminal was
 * closed without Ctrl-C) stops the orphans instead of failing on busy ports.
 */
export class Leftovers {
  private entries: { name: string; pid: number; marker: string }[] = [];

  constructor(private readonly file: string) {}

  async reap(log: (msg: string) => void): Promise<void> {
    let old: { name: string; pid: number; marker: string }[] = [];
    try {
      old = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      return;
    }
    for (const e of old) {
      if (!isOurs(e.pid, e.marker)) continue;
      log(`stopping ${e.name} (pid ${e.pid}) left over from an earlier start`);
      process.kill(e.pid, 'SIGTERM');
      for (let i = 0; i < 100 && isOurs(e.pid, e.marker); i++) await new Promise((r) => setTimeout(r, 100));
      if (isOurs(e.pid, e.marker)) process.kill(e.pid, 'SIGKILL');
    }
    fs.rmSync(this.file, { force: true });
  }

  add(name: string, pid: number | undefined, marker: string): void {
    if (!pid) return;
    this.entries.push({ name, pid, marker });
    fs.writeFileSync(this.file, JSON.stringify(this.entries));
  }

  clear(): void {
    fs.rmSync(this.file, { force: true });
  }
}

/** Alive, and still the program we started (pids are reused). */
function isOurs(pid: number, marker: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}
