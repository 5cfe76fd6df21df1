// A worker lost between the apply's commit and reporting it: the password reset must neither be lost nor
// applied twice. The worker here runs the real activities, except that the first apply, once committed,
// fails as if its worker had died (to the server, an attempt that never reported is the same: it retries).
import type { Worker } from '@temporalio/worker';
import { listAuditForSubject } from '../../db/queries/audit';
import { findPasswordReset } from '../../db/queries/passwordResets';
import { createMailer, type Mailer } from '../../lib/mailer';
import { createWorker } from '../../worker/createWorker';
import { infra } from '../helpers/infra';
import { NEW_PASSWORD, passwordResetApi } from '../helpers/passwordResetApi';
import { createPerson, PASSWORD } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

let worker: Worker | undefined;
let running: Promise<void> | undefined;
let mailer: Mailer | undefined;

// The worker stops before the stack closes its connection.
const stack = suiteStack({ worker: false, env: { TRUST_PROXY: '1' } }, async () => {
  worker?.shutdown();
  await running;
  mailer?.close();
});
const { call, request, complete, codeFor, closed } = passwordResetApi(stack);
const applies: { committed: boolean; alreadyApplied: boolean }[] = [];

beforeAll(async () => {
  mailer = createMailer(stack.config);
  worker = await createWorker({
    connection: stack.testEnv.nativeConnection, namespace: 'default', taskQueue: stack.taskQueue,
    workflowBundle: { codePath: infra().workflowBundlePath }, sql: stack.sql, mailer, keys: stack.config.keys, shutdownGraceTime: '1s',
    wrapActivities: (real) => ({
      ...real,
      async applyPasswordReset(input) {
        const result = await real.applyPasswordReset(input);
        applies.push({ committed: true, alreadyApplied: result.alreadyApplied });
        if (applies.length === 1) throw new Error('the worker died after the commit'); // the result never reaches the server
        return result;
      },
    }),
  });
  running = worker.run();
});

test('the retried apply answers alreadyApplied: the reset completes, once', async () => {
  const person = await createPerson(stack.sql);
  const email = person.emails[0]!;
  const token = await stack.signIn(email);
  const id = await request(email);
  const done = await complete(id, await codeFor(email));
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ step: 'completed' });
  expect(applies).toEqual([{ committed: true, alreadyApplied: false }, { committed: true, alreadyApplied: true }]);

  await closed(id);
  expect((await call('GET', '/v1/profile/merges', { token })).status).toBe(401);
  expect((await call('POST', '/v1/sessions', { body: { email, password: NEW_PASSWORD } })).status).toBe(201);
  expect((await call('POST', '/v1/sessions', { body: { email, password: PASSWORD } })).status).toBe(401);
  const audit = await listAuditForSubject(stack.sql, 'account', person.accountIds[0]!);
  expect(audit.filter((e) => e.action === 'account.password_reset')).toHaveLength(1);
  const { runId } = (await findPasswordReset(stack.sql, id))!;
  expect(await stack.sql`select run_id from password_reset_applies where run_id = ${runId}`).toHaveLength(1);
  await eventually(() => expect(stack.mail.messages.filter((m) => m.to.includes(email) && m.subject.includes('was changed'))).toHaveLength(1));
});
