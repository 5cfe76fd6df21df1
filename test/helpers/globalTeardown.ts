import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { EmbeddedPostgresHandle } from '../../scripts/devstack/embeddedPostgres';
import { stopChild } from '../../scripts/devstack/processes';

export default async function globalTeardown(): Promise<void> {
  const infra = (globalThis as Record<string, unknown>).__custodianInfra as
    | { pg: EmbeddedPostgresHandle; temporal: { child: ChildProcess }; dir: string }
    | undefined;
  if (!infra) return;
  await Promise.allSettled([stopChild(infra.temporal.child, 'SIGTERM', 10_000), infra.pg.stop()]);
  fs.rmSync(infra.dir, { recursive: true, force: true });
}
