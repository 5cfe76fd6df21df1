// A worker process that SIGKILLs itself right after the merge apply commits, before the workflow task that
// ran it can complete: the confirm Update's result never reaches history. Run like worker/main.ts.
import { NativeConnection } from '@temporalio/worker';
import { createSql } from '../../db/client';
import { loadConfigOrExit } from '../../lib/config';
import { createMailer } from '../../lib/mailer';
import { createWorker } from '../../worker/createWorker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const sql = createSql({ databaseUrl: config.databaseUrl, max: 2 });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createWorker({
    connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue,
    sql, mailer: createMailer(config), keys: config.keys, webhooks: config.webhooks,
    wrapActivities: (real) => ({
      ...real,
      async applyProfileMerge(input) {
        const result = await real.applyProfileMerge(input);
        process.kill(process.pid, 'SIGKILL');
        return result;
      },
    }),
  });
  process.stdout.write(`${JSON.stringify({ msg: 'worker started' })}\n`);
  await worker.run();
}

main().catch((err) => {
  process.stderr.write(`crashing worker failed: ${String(err)}\n`);
  process.exit(1);
});
