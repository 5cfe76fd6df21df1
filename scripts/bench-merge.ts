import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createSql } from '../db/client';
import { insertAccount, insertProfile } from '../db/queries/people';
import { hashPassword } from '../lib/passwords';

/**
 * `npm run bench:merge`: drives N concurrent profile merges over HTTP against a running stack
 * (`npm start`), reading codes from the MailDev inbox, and prints p50/p99 of
 *   start -> code email received   (POST /merges .. the code mail visible in the inbox)
 *   confirm -> completed            (POST /confirmation answering 200 completed)
 * The people it merges are created directly in DATABASE_URL, since sign-up is not an API yet.
 */
const env = z
  .object({
    API_URL: z.url().default('http://localhost:3000'),
    MAILDEV_URL: z.url().default('http://localhost:1080'),
    DATABASE_URL: z.string().default('postgres://postgres:postgres@localhost:5433/custodian'),
    BENCH_MERGES: z.coerce.number().int().min(1).max(500).default(20),
  })
  .parse(process.env);

const PASSWORD = 'Bench-merge-2026!';

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

/**
 * One poller for all merges: twenty clients each polling MailDev would load the machine more than the
 * system under test does.
 */
function createCodeWatcher() {
  const waiting = new Map<string, (code: string) => void>();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      if (waiting.size > 0) {
        const mails = (await (await fetch(`${env.MAILDEV_URL}/email`)).json()) as { subject: string; to: { address: string }[] }[];
        for (const m of mails) {
          const code = /code: (\d{6})/.exec(m.subject)?.[1];
          for (const { address } of m.to) {
            const resolve = waiting.get(address);
            if (code && resolve) {
              waiting.delete(address);
              resolve(code);
            }
          }
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const running = poll();
  return {
    codeFor: (to: string) => new Promise<string>((resolve) => waiting.set(to, resolve)),
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function main(): Promise<void> {
  const sql = createSql({ databaseUrl: env.DATABASE_URL, max: 4, applicationName: 'custodian-bench' });
  const hash = await hashPassword(PASSWORD);
  const run = randomUUID().slice(0, 8);
  const pairs: { me: string; other: string }[] = [];
  try {
    for (let i = 0; i < env.BENCH_MERGES; i++) {
      const pair = { me: `bench-${run}-${i}-a@bench.custodian.test`, other: `bench-${run}-${i}-b@bench.custodian.test` };
      for (const email of [pair.me, pair.other]) {
        const profileId = randomUUID();
        await insertProfile(sql, { id: profileId, displayName: `Bench ${i}`, points: i });
        await insertAccount(sql, { id: randomUUID(), profileId, email, passwordHash: hash });
      }
      pairs.push(pair);
    }
  } finally {
    await sql.end();
  }

  // Three phases, each with all merges at once: start and code delivery, verification, confirmation.
  // The barrier before confirming makes that phase the worst case: every confirmation lands together.
  const watcher = createCodeWatcher();
  const toCode: number[] = [];
  const toDone: number[] = [];
  const started = performance.now();
  const merges = await Promise.all(
    pairs.map(async ({ me, other }) => {
      const { token } = (await call('POST', '/v1/sessions', undefined, { email: me, password: PASSWORD })) as { token: string };
      const t0 = performance.now();
      const merge = (await call('POST', '/v1/profile/merges', token, { email: other })) as { id: string; emailOptions: { id: string }[] };
      const code = watcher.codeFor(other);
      await call('POST', `/v1/profile/merges/${merge.id}/code`, token, { emailOptionId: merge.emailOptions[0]!.id });
      await code;
      toCode.push(performance.now() - t0);
      await call('POST', `/v1/profile/merges/${merge.id}/verification`, token, { code: await code });
      return { id: merge.id, token };
    }),
  );
  await watcher.stop();
  await Promise.all(
    merges.map(async ({ id, token }) => {
      const t1 = performance.now();
      const done = await call('POST', `/v1/profile/merges/${id}/confirmation`, token);
      if (done.outcome !== 'completed') throw new Error(`merge ${id} ended ${String(done.outcome)}`);
      toDone.push(performance.now() - t1);
    }),
  );
  const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(0)} ms  p99 ${percentile(xs, 99).toFixed(0)} ms  max ${Math.max(...xs).toFixed(0)} ms`;
  process.stdout.write(
    `${env.BENCH_MERGES} concurrent merges in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
      `  start -> code email received: ${fmt(toCode)}\n` +
      `  confirm -> completed:         ${fmt(toDone)}   (target p50 <= 100 ms, p99 <= 400 ms)\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
