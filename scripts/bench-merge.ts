import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { createSql } from '../db/client';
import { insertAccount, insertProfile } from '../db/queries/people';
import { hashPassword } from '../lib/passwords';
import { probeLocalActivityUpdate, probeUpdate, stopProbeSignal, type latencyProbe } from '../workflows/latencyProbe';
import { cpuMeter, machine, stackProcesses, summary, workerHistogram } from './bench/measure';

/**
 * `npm run bench:merge [-- --json]`: profile merges over HTTP against a running stack (`npm start`), side
 * by side with Temporal's own floor measured in the same run: a probe workflow on the same worker
 * answering a no-op Update and an Update that runs a no-op local activity. Each round drives N merges to
 * their confirmation, then fires N confirms at once, N local-activity probes at once and N no-op probes
 * at once (the same N-way barrier, interleaved), and pools the rounds after a warm-up. It prints p50/p99,
 * confirm ÷ probe, and CPU milliseconds per confirm of each process of the stack (from /proc).
 */
const env = z
  .object({
    API_URL: z.url().default('http://localhost:3000'),
    MAILDEV_URL: z.url().default('http://localhost:1080'),
    DATABASE_URL: z.string().default('postgres://postgres:postgres@localhost:5433/custodian'),
    TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    TEMPORAL_TASK_QUEUE: z.string().default('custodian'),
    WORKER_METRICS_ADDRESS: z.string().default('127.0.0.1:9464'),
    BENCH_MERGES: z.coerce.number().int().min(1).max(200).default(20),
    BENCH_ROUNDS: z.coerce.number().int().min(1).max(100).default(10),
    BENCH_WARMUP_ROUNDS: z.coerce.number().int().min(0).max(10).default(1),
    BENCH_SOLO: z.coerce.number().int().min(0).max(100).default(10),
  })
  .parse(process.env);
const asJson = process.argv.includes('--json');
const PASSWORD = 'Bench-merge-2026!';
/** How long a measurement waits, once the work before it has finished, for the machine to be quiet. */
const SETTLE_MS = 250;
const portOf = (url: string) => Number(new URL(url.includes('://') ? url : `x://${url}`).port);

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(env.API_URL + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json!;
}

/** One poller for all merges: N clients each polling MailDev would load the machine more than the system under test. */
function createMailWatcher() {
  const waiting = new Map<string, { subject: RegExp; resolve: (subject: string) => void }>();
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      if (waiting.size > 0) {
        const mails = (await (await fetch(`${env.MAILDEV_URL}/email`)).json()) as { subject: string; to: { address: string }[] }[];
        for (const m of mails) {
          for (const { address } of m.to) {
            const w = waiting.get(address);
            if (w?.subject.test(m.subject)) {
              waiting.delete(address);
              w.resolve(m.subject);
            }
          }
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const mailTo = (to: string, subject: RegExp) => new Promise<string>((resolve) => waiting.set(to, { subject, resolve }));
  return {
    codeFor: async (to: string) => /code: (\d{6})/.exec(await mailTo(to, /code: \d{6}/))![1]!,
    /** The merge's last work, after its confirm has answered: the completion email to its starter. */
    completedMailFor: (to: string) => mailTo(to, /profiles were merged/),
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

const timed = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

async function main(): Promise<void> {
  const sql = createSql({ databaseUrl: env.DATABASE_URL, max: 4, applicationName: 'custodian-bench' });
  const hash = await hashPassword(PASSWORD);
  const run = randomUUID().slice(0, 8);
  let pairNo = 0;
  async function newPairs(n: number) {
    const pairs: { me: string; other: string }[] = [];
    for (let i = 0; i < n; i++, pairNo++) {
      const pair = { me: `bench-${run}-${pairNo}-a@bench.custodian.test`, other: `bench-${run}-${pairNo}-b@bench.custodian.test` };
      for (const email of [pair.me, pair.other]) {
        const profileId = randomUUID();
        await insertProfile(sql, { id: profileId, displayName: `Bench ${pairNo}`, points: pairNo });
        await insertAccount(sql, { id: randomUUID(), profileId, email, passwordHash: hash });
      }
      pairs.push(pair);
    }
    return pairs;
  }

  const watcher = createMailWatcher();
  const toCode: number[] = [];
  /** Merges at step awaiting_confirmation, ready for the confirm burst. */
  async function verifiedMerges(n: number) {
    return Promise.all((await newPairs(n)).map(async ({ me, other }) => {
      const { token } = (await call('POST', '/v1/sessions', undefined, { email: me, password: PASSWORD })) as { token: string };
      const t0 = performance.now();
      const merge = (await call('POST', '/v1/profile/merges', token, { email: other })) as { id: string; emailOptions: { id: string }[] };
      const code = watcher.codeFor(other);
      await call('POST', `/v1/profile/merges/${merge.id}/code`, token, { emailOptionId: merge.emailOptions[0]!.id });
      await code;
      toCode.push(performance.now() - t0);
      await call('POST', `/v1/profile/merges/${merge.id}/verification`, token, { code: await code });
      return { id: merge.id, token, email: me };
    }));
  }
  const confirm = async ({ id, token }: { id: string; token: string; email: string }) => {
    const done = await call('POST', `/v1/profile/merges/${id}/confirmation`, token);
    if (done.outcome !== 'completed') throw new Error(`merge ${id} ended ${String(done.outcome)}`);
  };

  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const probes = await Promise.all(Array.from({ length: env.BENCH_MERGES }, (_, i) =>
    client.workflow.start<typeof latencyProbe>('latencyProbe', { workflowId: `latency-probe/${run}/${i}`, taskQueue: env.TEMPORAL_TASK_QUEUE })));
  const processes = stackProcesses({
    api: portOf(env.API_URL), worker: portOf(env.WORKER_METRICS_ADDRESS), temporal: portOf(env.TEMPORAL_ADDRESS), postgres: portOf(env.DATABASE_URL),
  });
  const meter = cpuMeter(processes);
  const probeMeter = cpuMeter(processes);

  const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));
  const confirms: number[] = [];
  const probeLocal: number[] = [];
  const probeNoop: number[] = [];
  const startedAt = performance.now();
  try {
    for (let round = 0; round < env.BENCH_WARMUP_ROUNDS + env.BENCH_ROUNDS; round++) {
      const measured = round >= env.BENCH_WARMUP_ROUNDS;
      const codesBefore = toCode.length;
      const merges = await verifiedMerges(env.BENCH_MERGES);
      if (!measured) toCode.length = codesBefore;
      await settle();
      meter.begin();
      const c = await Promise.all(merges.map((m) => timed(() => confirm(m))));
      if (measured) meter.end();
      // Each burst on a quiet machine: the probes must not share the CPU with the confirms' tail (the
      // completion emails and the end of the runs), which answered users no longer wait for. Watched only
      // now: polling MailDev during the burst would load the machine (it finds mail that came earlier too).
      await Promise.all(merges.map((m) => watcher.completedMailFor(m.email)));
      await settle();
      probeMeter.begin();
      const l = await Promise.all(probes.map((h) => timed(() => h.executeUpdate(probeLocalActivityUpdate))));
      if (measured) probeMeter.end();
      const o = await Promise.all(probes.map((h) => timed(() => h.executeUpdate(probeUpdate))));
      if (measured) {
        confirms.push(...c);
        probeLocal.push(...l);
        probeNoop.push(...o);
      }
    }
    // One at a time, each confirm next to one probe of each kind: the floor of the "one merge alone" figure.
    const solo: number[] = [];
    const soloLocal: number[] = [];
    const soloNoop: number[] = [];
    const soloHttp: number[] = [];
    // What of a confirm alone is the apply: its local activity's own time, from the worker's metrics.
    const applyTime = () => workerHistogram(env.WORKER_METRICS_ADDRESS, 'temporal_local_activity_execution_latency', 'activity_type="applyProfileMerge"');
    const applyBefore = await applyTime();
    // "Alone" means nothing else running: each measurement waits for the work that the previous step left
    // behind (the code email's activity, the completed merge's email and the end of its run) to settle.
    for (let i = 0; i < env.BENCH_SOLO; i++) {
      const [m] = await verifiedMerges(1);
      await settle();
      solo.push(await timed(() => confirm(m!)));
      await watcher.completedMailFor(m!.email);
      await settle();
      soloLocal.push(await timed(() => probes[0]!.executeUpdate(probeLocalActivityUpdate)));
      await settle();
      soloNoop.push(await timed(() => probes[0]!.executeUpdate(probeUpdate)));
      soloHttp.push(await timed(async () => (await fetch(`${env.API_URL}/healthz`)).arrayBuffer()));
    }
    const applyAfter = await applyTime();
    const soloApplyMs = applyBefore && applyAfter && applyAfter.count > applyBefore.count
      ? (applyAfter.sum - applyBefore.sum) / (applyAfter.count - applyBefore.count)
      : null;
    const result = {
      merges: env.BENCH_MERGES,
      rounds: env.BENCH_ROUNDS,
      seconds: Math.round((performance.now() - startedAt) / 100) / 10,
      machine: machine(),
      confirm: summary(confirms),
      probeLocalActivity: summary(probeLocal),
      probeNoop: summary(probeNoop),
      ratio: { p50: summary(confirms).p50 / summary(probeLocal).p50, p99: summary(confirms).p99 / summary(probeLocal).p99 },
      soloConfirm: summary(solo),
      soloProbeLocalActivity: summary(soloLocal),
      soloProbeNoop: summary(soloNoop),
      soloHealthz: summary(soloHttp),
      soloApplyMeanMs: soloApplyMs,
      startToCodeEmail: summary(toCode),
      startToCodeRatio: { p50: summary(toCode).p50 / summary(probeLocal).p50, p99: summary(toCode).p99 / summary(probeLocal).p99 },
      cpuMsPerConfirm: meter.perOperation(confirms.length),
      cpuMsPerLocalActivityProbe: probeMeter.perOperation(probeLocal.length),
    };
    if (asJson) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const row = (name: string, s: { p50: number; p99: number }) => `  ${name.padEnd(40)} p50 ${s.p50.toFixed(1).padStart(7)} ms   p99 ${s.p99.toFixed(1).padStart(7)} ms\n`;
    process.stdout.write(
      `${env.BENCH_MERGES} at once, ${env.BENCH_ROUNDS} rounds after ${env.BENCH_WARMUP_ROUNDS} warm-up, ${result.seconds} s; load ${result.machine.loadavg.join(' ')} on ${result.machine.cores} cores\n` +
      row('confirm -> completed', result.confirm) +
      row('probe: Update with a no-op local activity', result.probeLocalActivity) +
      row('probe: no-op Update', result.probeNoop) +
      `  confirm / local-activity probe           p50 ${result.ratio.p50.toFixed(2)}   p99 ${result.ratio.p99.toFixed(2)}   (target <= 1.5 and <= 2)\n` +
      row('one merge alone: confirm -> completed', result.soloConfirm) +
      row('alone: probe with a local activity', result.soloProbeLocalActivity) +
      row('alone: no-op probe', result.soloProbeNoop) +
      row('alone: GET /healthz', result.soloHealthz) +
      `  alone: the apply (local activity), mean    ${soloApplyMs === null ? 'n/a (no worker metrics)' : `${soloApplyMs.toFixed(1)} ms`}\n` +
      row('start -> code email received', result.startToCodeEmail) +
      `  start -> code / local-activity probe     p50 ${result.startToCodeRatio.p50.toFixed(2)}   p99 ${result.startToCodeRatio.p99.toFixed(2)}\n` +
      `  CPU ms per confirm: ${Object.entries(result.cpuMsPerConfirm).map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
      `  CPU ms per local-activity probe: ${Object.entries(result.cpuMsPerLocalActivityProbe).map(([k, v]) => `${k} ${v}`).join(', ')}\n`,
    );
  } finally {
    await watcher.stop();
    await Promise.allSettled(probes.map((h) => h.signal(stopProbeSignal)));
    await connection.close();
    await sql.end();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
