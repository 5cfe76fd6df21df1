// The removal transaction and the audit log's one exception, against a real Postgres (no workflow): what a
// deletion removes, what it keeps as tombstones, and what the database still refuses.
import { randomUUID } from 'node:crypto';
import { findDeletion } from '../../db/queries/accountDeletions';
import { appendAudit, listAuditForSubject } from '../../db/queries/audit';
import { CREDENTIAL_TABLES } from '../../db/queries/credentials';
import { TOMBSTONE_PREFIX, newTombstone } from '../../db/queries/erasure';
import { countRowsOfProfile, tryDeleteAuditEntries, tryTruncateAuditLog, tryUpdateAuditEntries } from '../../db/queries/inspect';
import { findPendingAddress } from '../../db/queries/pendingAddresses';
import { listCredentialTables, listForeignKeysTo } from '../../db/queries/personalDataScan';
import { removeAccountForDeletion, revokeForDeletion } from '../../libraries/accountDeletion/removal';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { leftovers, personWithEverything } from '../helpers/erasure';
import { createPerson } from '../helpers/people';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const refused = { message: 'audit_log is append-only', code: 'P0001', constraint_name: 'audit_log__append_only' };
const badMap = { message: 'an audit_log redaction maps ids to tombstones only', code: 'P0001' };
const tombstone = expect.stringMatching(new RegExp(`^${TOMBSTONE_PREFIX}-`));

const remove = (accountId: string, deletionId = randomUUID()) =>
  removeAccountForDeletion(db.sql, { deletionId, accountId, addressTtlMs: 600_000, addressSubject: (a) => `hmac-of-${a}` });

async function auditRow(id: string) {
  const [row] = await db.sql<{ actorAccountId: string | null; action: string; subjectType: string; subjectId: string; details: Record<string, unknown> }[]>`
    select actor_account_id, action, subject_type, subject_id, details from audit_log where subject_id = ${id} or actor_account_id::text = ${id}`;
  return row;
}

describe('the audit log under erasure', () => {
  test('audit_log_redact turns the ids into tombstones everywhere in an entry, drops a client address beside them, and touches nothing else', async () => {
    const [erased, bystander] = [randomUUID(), randomUUID()];
    await appendAudit(db.sql, {
      actorAccountId: erased, action: 'test.redacted', subjectType: 'account', subjectId: erased,
      details: { address: '203.0.113.9', workflowId: `profile-merge/${erased}/m1`, ids: [bystander, erased], n: 1 },
    });
    await appendAudit(db.sql, { actorAccountId: bystander, action: 'test.kept', subjectType: 'account', subjectId: bystander, details: { address: '203.0.113.9' } });
    const t = newTombstone();

    const [row] = await db.sql<{ n: number }[]>`select audit_log_redact(${db.sql.json({ [erased]: t })}) as n`;

    expect(row).toEqual({ n: 1 });
    expect(await auditRow(erased)).toBeUndefined();
    expect(await auditRow(t)).toEqual({
      actorAccountId: t, action: 'test.redacted', subjectType: 'account', subjectId: t,
      details: { workflowId: `profile-merge/${t}/m1`, ids: [bystander, t], n: 1 },
    });
    expect(await auditRow(bystander)).toMatchObject({ action: 'test.kept', details: { address: '203.0.113.9' } });
  });

  test('under a redaction an UPDATE can change nothing but the ids: rewording, re-dating and re-attributing are ignored', async () => {
    const erased = randomUUID();
    await appendAudit(db.sql, { actorAccountId: null, action: 'test.fixed', subjectType: 'account', subjectId: erased, details: {} });
    const [before] = await db.sql`select occurred_at from audit_log where subject_id = ${erased}`;
    const t = newTombstone();
    await db.sql.begin(async (tx) => {
      await tx`select set_config('custodian.audit_redaction', ${JSON.stringify({ [erased]: t })}, true)`;
      await tx`update audit_log set action = 'test.reworded', subject_type = 'other', occurred_at = now() - interval '1 year' where subject_id = ${erased}`;
    });
    const [after] = await db.sql`select action, subject_type, subject_id, occurred_at from audit_log where subject_id = ${t}`;
    expect(after).toEqual({ action: 'test.fixed', subjectType: 'account', subjectId: t, occurredAt: before!.occurredAt });
  });

  test('a redaction maps ids to fresh tombstones only; deletes and truncation stay refused even during one', async () => {
    const id = randomUUID();
    await appendAudit(db.sql, { actorAccountId: null, action: 'test.guarded', subjectType: 'account', subjectId: id, details: {} });
    const redact = (map: unknown) => db.sql`select audit_log_redact(${db.sql.json(map as Record<string, string>)})`;
    await expect(redact({ [id]: randomUUID() })).rejects.toMatchObject(badMap); // another subject's id, not a tombstone
    await expect(redact({ 'test.guarded': newTombstone() })).rejects.toMatchObject(badMap);
    await expect(redact({ [newTombstone()]: newTombstone() })).rejects.toMatchObject(badMap);
    await expect(redact([id])).rejects.toMatchObject(badMap);
    await expect(db.sql.begin(async (tx) => {
      await tx`select set_config('custodian.audit_redaction', ${JSON.stringify({ [id]: newTombstone() })}, true)`;
      await tryDeleteAuditEntries(tx, 'account', id);
    })).rejects.toMatchObject(refused);
    await expect(db.sql.begin(async (tx) => {
      await tx`select set_config('custodian.audit_redaction', ${JSON.stringify({ [id]: newTombstone() })}, true)`;
      await tryTruncateAuditLog(tx);
    })).rejects.toMatchObject(refused);
    expect(await listAuditForSubject(db.sql, 'account', id)).toHaveLength(1);
  });

  test('the door closes again: after audit_log_redact, a plain update in the same transaction is refused', async () => {
    const id = randomUUID();
    await appendAudit(db.sql, { actorAccountId: null, action: 'test.closed', subjectType: 'account', subjectId: id, details: {} });
    await expect(db.sql.begin(async (tx) => {
      await tx`select audit_log_redact(${tx.json({ [randomUUID()]: newTombstone() })})`;
      await tryUpdateAuditEntries(tx, 'account', id);
    })).rejects.toMatchObject(refused);
  });
});

describe('removing an account', () => {
  test('one of several: the account and what hangs on it go, the profile and the other accounts stay', async () => {
    const colleague = await createPerson(db.sql);
    const { person, apps } = await personWithEverything(db.sql, { accounts: 2, colleague });
    const [gone, kept] = person.accountIds as [string, string];
    const deletionId = randomUUID();
    // Its session, its API key and its personal access token (test/helpers/erasure.ts traces).
    expect(await revokeForDeletion(db.sql, deletionId, gone)).toBe(3);

    const removal = await remove(gone, deletionId);

    expect(removal).toEqual({ profileErased: false, notifyAddressId: expect.any(String) });
    expect(await findPendingAddress(db.sql, removal.notifyAddressId!)).toBe(person.emails[0]);
    expect(await countRowsOfProfile(db.sql, person.profileId)).toMatchObject({ profiles: 1, accounts: 1, profileSkills: 2, achievements: 2 });
    const [app] = await db.sql`select technical_contact_account_id from apps where id = ${apps.appId}`;
    expect(app).toEqual({ technicalContactAccountId: null });
    const members = await db.sql<{ accountId: string }[]>`select account_id from app_members where app_id = ${apps.appId} order by account_id`;
    expect(members.map((m) => m.accountId).sort()).toEqual([kept, colleague.accountIds[0]!].sort());
    // The removed account's id and address are nowhere but in the confirmation's pending row.
    expect(await leftovers(db.sql, [gone, person.emails[0]!])).toEqual(['pending_addresses.address holds ' + person.emails[0]!.toLowerCase() + ' (1 row)']);
    expect(await leftovers(db.sql, [person.profileId, kept])).not.toEqual([]);
    expect(await findDeletion(db.sql, deletionId)).toMatchObject({ step: 'account_removed', profileErased: false });

    // A retried removal answers what the first decided, and changes nothing.
    expect(await remove(gone, deletionId)).toEqual(removal);
  });

  test('the last one: the person is erased, and only tombstones remain of their ids', async () => {
    const { person, needles } = await personWithEverything(db.sql, { accounts: 1 });
    const removal = await remove(person.accountIds[0]!);
    expect(removal.profileErased).toBe(true);
    expect(await countRowsOfProfile(db.sql, person.profileId)).toEqual({
      profiles: 0, accounts: 0, profileSkills: 0, profileIndustries: 0, achievements: 0, certifications: 0, academyProgress: 0,
    });
    await db.sql`delete from pending_addresses where id = ${removal.notifyAddressId}`; // what the send does
    expect(await leftovers(db.sql, needles)).toEqual([]);
    const [deleted] = await db.sql`select actor_account_id, subject_id, details from audit_log where action = 'account.deleted' order by id desc limit 1`;
    expect(deleted).toEqual({ actorAccountId: tombstone, subjectId: tombstone, details: expect.objectContaining({ profileId: tombstone, profileErased: true }) });
  });

  test('a profile\'s last two accounts removed at once: exactly one removal erases the profile', async () => {
    const { person } = await personWithEverything(db.sql, { accounts: 2 });
    const results = await Promise.all(person.accountIds.map((id) => remove(id)));
    expect(results.map((r) => r.profileErased).sort()).toEqual([false, true]);
    expect((await countRowsOfProfile(db.sql, person.profileId)).profiles).toBe(0);
  });

  test('a removed address takes only its own counters: ann@… never takes joann@…\'s', async () => {
    const ann = await createPerson(db.sql);
    const joannEmail = `jo${ann.emails[0]!}`;
    await db.sql`insert into rate_limits (key, points) values (${`signin_account:${ann.emails[0]!}`}, 1), (${`signin_account:${joannEmail}`}, 1)`;
    await remove(ann.accountIds[0]!);
    const keys = await db.sql<{ key: string }[]>`select key from rate_limits where key like ${'signin_account:%' + ann.emails[0]!}`;
    expect(keys.map((k) => k.key)).toEqual([`signin_account:${joannEmail}`]);
  });

  test('an account that is already gone is nothing to remove and nobody to tell', async () => {
    expect(await remove(randomUUID())).toEqual({ profileErased: false, notifyAddressId: null });
  });
});

describe('the schema keeps erasure complete as it grows', () => {
  test('every credential table (an account_id and a revoked_at) is revoked by the deletion\'s first step', async () => {
    expect(await listCredentialTables(db.sql)).toEqual(expect.arrayContaining([...CREDENTIAL_TABLES]));
    expect(CREDENTIAL_TABLES).toEqual(expect.arrayContaining(await listCredentialTables(db.sql)));
  });

  test('every foreign key to accounts or profiles cascades or sets null, so removing one never fails on a new table', async () => {
    const blocking = (await listForeignKeysTo(db.sql, ['accounts', 'profiles']))
      .filter((fk) => !['cascade', 'set null'].includes(fk.onDelete))
      // The removal deletes a profile's accounts before the profile itself.
      .filter((fk) => !(fk.table === 'accounts' && fk.column === 'profile_id'));
    expect(blocking).toEqual([]);
  });
});
