// The password reset's apply transaction (libraries/passwordResets/apply.ts): at most once per run, only for
// an active account with its password here, only with a hash waiting under a code the run emailed; the
// sessions end, the waiting hashes go, one audit entry.
import { randomUUID } from 'node:crypto';
import { RuleViolation } from '../../db/errors';
import { listAuditForSubject } from '../../db/queries/audit';
import { upsertPendingPassword } from '../../db/queries/passwordResets';
import { insertSession } from '../../db/queries/sessions';
import { hashPassword, verifyPassword } from '../../lib/passwords';
import { applyPasswordReset } from '../../libraries/passwordResets/apply';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createPerson } from '../helpers/people';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);
const later = () => new Date(Date.now() + 3_600_000);

async function account({ sessions = 0 } = {}) {
  const person = await createPerson(db.sql);
  const accountId = person.accountIds[0]!;
  for (let i = 0; i < sessions; i++) await insertSession(db.sql, { accountId, tokenHash: Buffer.from(randomUUID()), expiresAt: later() });
  return { accountId, runId: randomUUID() };
}

const passwordHashOf = async (accountId: string) =>
  (await db.sql<{ passwordHash: string }[]>`select password_hash from accounts where id = ${accountId}`)[0]!.passwordHash;
const ruleOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RuleViolation ? e.code : e));

test('sets the waiting hash once: sessions end, waiting hashes go, one audit entry; a retry answers alreadyApplied', async () => {
  const { accountId, runId } = await account({ sessions: 2 });
  const chosen = await hashPassword('Chosen-Password-1!');
  await upsertPendingPassword(db.sql, { runId, codeHmac: H1, accountId, passwordHash: chosen, expiresAt: later() });
  await upsertPendingPassword(db.sql, { runId, codeHmac: H2, accountId, passwordHash: await hashPassword('Wrong-guess-2!x'), expiresAt: later() });

  expect(await applyPasswordReset(db.sql, { accountId, runId, codeHmacs: [H1] })).toEqual({ alreadyApplied: false, sessionsEnded: 2 });
  expect(await passwordHashOf(accountId)).toBe(chosen);
  expect(await db.sql`select 1 from sessions where account_id = ${accountId} and revoked_at is null`).toHaveLength(0);
  expect(await db.sql`select 1 from password_reset_passwords where run_id = ${runId}`).toHaveLength(0);
  const [row] = await db.sql<{ changed: Date }[]>`select password_changed_at as changed from accounts where id = ${accountId}`;
  expect(Date.now() - row!.changed.getTime()).toBeLessThan(60_000);

  // The same run again (a worker lost after the commit), even with another hash waiting: nothing changes.
  await upsertPendingPassword(db.sql, { runId, codeHmac: H1, accountId, passwordHash: await hashPassword('Another-One-3!'), expiresAt: later() });
  expect(await applyPasswordReset(db.sql, { accountId, runId, codeHmacs: [H1] })).toEqual({ alreadyApplied: true, sessionsEnded: 0 });
  expect(await passwordHashOf(accountId)).toBe(chosen);
  expect((await verifyPassword(await passwordHashOf(accountId), 'Chosen-Password-1!')).ok).toBe(true);
  const audit = await listAuditForSubject(db.sql, 'account', accountId);
  expect(audit.filter((e) => e.action === 'account.password_reset')).toEqual([expect.objectContaining({ details: { runId, sessionsEnded: 2 } })]);
});

test('a hash filed under a code the run did not email is never applied', async () => {
  const { accountId, runId } = await account();
  const before = await passwordHashOf(accountId);
  await upsertPendingPassword(db.sql, { runId, codeHmac: H2, accountId, passwordHash: await hashPassword('Guessed-Code-4!'), expiresAt: later() });
  expect(await ruleOf(applyPasswordReset(db.sql, { accountId, runId, codeHmacs: [H1] }))).toBe('password_reset.pending_password_gone');
  expect(await passwordHashOf(accountId)).toBe(before);
  // Nothing was claimed: the run may still apply once its hash is there.
  await upsertPendingPassword(db.sql, { runId, codeHmac: H1, accountId, passwordHash: await hashPassword('Right-Code-5!x'), expiresAt: later() });
  expect(await applyPasswordReset(db.sql, { accountId, runId, codeHmacs: [H1] })).toMatchObject({ alreadyApplied: false });
});

test.each([
  ['deactivated', (id: string) => db.sql`update accounts set status = 'deactivated', deactivated_at = now() where id = ${id}`],
  ['moved to single sign-on', (id: string) => db.sql`update accounts set sso = true where id = ${id}`],
])('an account %s meanwhile is not reset', async (_what, change) => {
  const { accountId, runId } = await account({ sessions: 1 });
  const before = await passwordHashOf(accountId);
  await upsertPendingPassword(db.sql, { runId, codeHmac: H1, accountId, passwordHash: await hashPassword('Too-Late-Now-6!'), expiresAt: later() });
  await change(accountId);
  expect(await ruleOf(applyPasswordReset(db.sql, { accountId, runId, codeHmacs: [H1] }))).toBe('password_reset.account_unavailable');
  expect(await passwordHashOf(accountId)).toBe(before);
  expect(await db.sql`select 1 from password_reset_applies where run_id = ${runId}`).toHaveLength(0);
});

test('a deleted account takes its reset rows with it', async () => {
  const { accountId, runId } = await account();
  await upsertPendingPassword(db.sql, { runId, codeHmac: H1, accountId, passwordHash: await hashPassword('Gone-Soon-7!xx'), expiresAt: later() });
  await db.sql`delete from accounts where id = ${accountId}`;
  expect(await db.sql`select 1 from password_reset_passwords where account_id = ${accountId}`).toHaveLength(0);
  expect(await ruleOf(applyPasswordReset(db.sql, { accountId, runId, codeHmacs: [H1] }))).toBe('password_reset.account_unavailable');
});
