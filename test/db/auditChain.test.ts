// The audit log's hash chains (migration 00015) against a real Postgres: concurrent writers get one gap-free,
// valid chain per company; tampering by a superuser with the triggers off is found at the right entry; an
// erasure's redaction stays verifiable; and `npm run audit:verify` says so with its exit code and JSON.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createSql, type Sql } from '../../db/client';
import { appendAudit } from '../../db/queries/audit';
import { newTombstone } from '../../db/queries/erasure';
import { removeAccountForDeletion } from '../../libraries/accountDeletion/removal';
import { verifyAuditChains, type AuditChainReport } from '../../libraries/auditChain';
import { insertCompany } from '../helpers/company';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../helpers/database';
import { personWithEverything } from '../helpers/erasure';
import { ROOT, runScript } from '../helpers/scripts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const entry = (companyId: string | null, action: string, extra: Partial<Parameters<typeof appendAudit>[1]> = {}) => ({
  actorAccountId: randomUUID(), action, subjectType: 'account', subjectId: randomUUID(), companyId, ...extra,
});

/** A company with `n` entries in its chain; their ids in chain order. */
async function companyWithEntries(n: number): Promise<{ companyId: string; ids: string[] }> {
  const companyId = await insertCompany(db.sql);
  for (let i = 1; i <= n; i++) await appendAudit(db.sql, entry(companyId, `test.entry_${i}`, { details: { n: i } }));
  return { companyId, ids: await chainIds(db.sql, companyId) };
}

async function chainIds(sql: Sql, companyId: string | null): Promise<string[]> {
  const rows = companyId === null
    ? await sql<{ id: string }[]>`select id from audit_log where company_id is null order by chain_seq`
    : await sql<{ id: string }[]>`select id from audit_log where company_id = ${companyId} order by chain_seq`;
  return rows.map((r) => r.id);
}

/** What only a superuser can do: write the log with every trigger off (append-only, chain and seal). */
const asSuperuser = (fn: (tx: Sql) => Promise<unknown>) => db.sql.begin(async (tx) => {
  await tx`set local session_replication_role = replica`;
  await fn(tx as unknown as Sql);
});

const verified = (report: AuditChainReport) => ({ ok: report.ok, firstBreak: report.firstBreak });

describe('writing', () => {
  test('concurrent inserts from many connections: each chain has positions 1..n without gaps, even with rollbacks, and verifies', async () => {
    const [a, b] = [await insertCompany(db.sql), await insertCompany(db.sql)];
    const chains = [a, b, null];
    const platformBefore = (await chainIds(db.sql, null)).length;
    const pool = createSql({ databaseUrl: db.url, max: 16 });
    let committed = 0;
    try {
      await Promise.all(Array.from({ length: 16 }, async (_, worker) => {
        for (let i = 0; i < 15; i++) {
          const companyId = chains[(worker + i) % 3]!;
          const rollback = i % 5 === 4;
          await pool.begin(async (tx) => {
            await appendAudit(tx, entry(companyId, 'test.concurrent', { details: { worker, i } }));
            await appendAudit(tx, entry(companyId, 'test.concurrent', { details: { worker, i, second: true } }));
            if (rollback) throw new Error('rolled back on purpose');
          }).then(() => (committed += 2), (err: Error) => {
            if (err.message !== 'rolled back on purpose') throw err;
          });
        }
      }));
    } finally {
      await pool.end({ timeout: 5 });
    }
    expect(committed).toBe(16 * 12 * 2);
    for (const companyId of chains) {
      const [row] = await db.sql<{ n: number; min: number; max: number; distinct: number }[]>`
        select count(*)::int as n, min(chain_seq)::int as min, max(chain_seq)::int as max, count(distinct chain_seq)::int as distinct
          from audit_log where chain_id = coalesce(${companyId}::uuid, '00000000-0000-0000-0000-000000000000')`;
      expect({ companyId, ...row }).toEqual({ companyId, n: row!.max, min: 1, max: row!.n, distinct: row!.n });
      expect(verified(await verifyAuditChains(db.sql, { companyId }))).toEqual({ ok: true, firstBreak: null });
    }
    expect((await chainIds(db.sql, a)).length + (await chainIds(db.sql, b)).length + (await chainIds(db.sql, null)).length - platformBefore)
      .toBe(committed);
  });

  test('an INSERT cannot choose its chain position or hashes: the trigger decides them', async () => {
    const companyId = await insertCompany(db.sql);
    await db.sql`
      insert into audit_log (actor_account_id, action, subject_type, subject_id, company_id, chain_seq, content_hash, chain_hash, seal_salt)
      values (null, 'test.forged', 'account', 'x', ${companyId}, 42, '\\x00', '\\x00', '\\x00')`;
    const [row] = await db.sql`select chain_seq::int as seq, length(chain_hash) as len from audit_log where company_id = ${companyId}`;
    expect(row).toEqual({ seq: 1, len: 32 });
    expect(verified(await verifyAuditChains(db.sql, { companyId }))).toEqual({ ok: true, firstBreak: null });
  });
});

describe('tampering with the triggers off is found, at the right entry', () => {
  test('a changed entry: content_changed at that entry', async () => {
    const { companyId, ids } = await companyWithEntries(5);
    await asSuperuser((tx) => tx`update audit_log set outcome = 'denied' where id = ${ids[2]!}`);
    const report = await verifyAuditChains(db.sql, { companyId });
    expect(report).toMatchObject({ ok: false, chains: 1, brokenChains: 1, entries: 5 });
    expect(report.firstBreak).toMatchObject({ companyId, entryId: ids[2], position: 3, reason: 'content_changed' });
  });

  test('a changed entry whose content hash was recomputed too: link_broken at that entry', async () => {
    const { companyId, ids } = await companyWithEntries(4);
    await asSuperuser((tx) => tx`update audit_log set action = 'test.reworded' where id = ${ids[1]!}`);
    await asSuperuser((tx) => tx`update audit_log a set content_hash = audit_log__content_hash(a) where id = ${ids[1]!}`);
    expect((await verifyAuditChains(db.sql, { companyId })).firstBreak).toMatchObject({ entryId: ids[1], position: 2, reason: 'link_broken' });
  });

  test('a removed entry: missing_entries at the entry after the gap', async () => {
    const { companyId, ids } = await companyWithEntries(5);
    await asSuperuser((tx) => tx`delete from audit_log where id = ${ids[2]!}`);
    const report = await verifyAuditChains(db.sql, { companyId });
    expect(report.firstBreak).toMatchObject({ entryId: ids[3], position: 4, reason: 'missing_entries', message: expect.stringContaining('position 3 is missing') });
    expect(report.entries).toBe(4);
  });

  test('a removed last entry: head_mismatch at the new last entry; every entry removed: missing_entries with none left', async () => {
    const { companyId, ids } = await companyWithEntries(3);
    await asSuperuser((tx) => tx`delete from audit_log where id = ${ids[2]!}`);
    expect((await verifyAuditChains(db.sql, { companyId })).firstBreak).toMatchObject({ entryId: ids[1], position: 2, reason: 'head_mismatch' });
    await asSuperuser((tx) => tx`delete from audit_log where company_id = ${companyId}`);
    expect(await verifyAuditChains(db.sql, { companyId })).toMatchObject({
      ok: false, chains: 1, entries: 0, firstBreak: { companyId, entryId: null, reason: 'missing_entries' },
    });
  });

  test('two entries swapped in the order: link_broken at the one moved up', async () => {
    const { companyId, ids } = await companyWithEntries(5);
    await asSuperuser(async (tx) => {
      await tx`update audit_log set chain_seq = -1 where id = ${ids[1]!}`;
      await tx`update audit_log set chain_seq = 2 where id = ${ids[2]!}`;
      await tx`update audit_log set chain_seq = 3 where id = ${ids[1]!}`;
    });
    expect((await verifyAuditChains(db.sql, { companyId })).firstBreak).toMatchObject({ entryId: ids[2], position: 2, reason: 'link_broken' });
  });

  test('two entries\' contents swapped (ids kept): content_changed at the first', async () => {
    const { companyId, ids } = await companyWithEntries(4);
    await asSuperuser(async (tx) => {
      await tx`update audit_log set action = 'test.entry_3', details = '{"n":3}' where id = ${ids[1]!}`;
      await tx`update audit_log set action = 'test.entry_2', details = '{"n":2}' where id = ${ids[2]!}`;
    });
    expect((await verifyAuditChains(db.sql, { companyId })).firstBreak).toMatchObject({ entryId: ids[1], reason: 'content_changed' });
  });

  test('an entry inserted around the trigger with correct hashes: at the end, head_mismatch; in the middle, link_broken after it', async () => {
    const { companyId, ids } = await companyWithEntries(3);
    // Appended with hashes computed exactly as the trigger would: only the head, which it did not advance, tells.
    await asSuperuser((tx) => tx`
      insert into audit_log (actor_account_id, action, subject_type, subject_id, company_id, chain_seq, content_hash, chain_hash, seal_salt)
      select null, 'test.appended', 'account', 'x', ${companyId}, 4, '\\x', '\\x', '\\x0102'`);
    const [forged] = await db.sql<{ id: string }[]>`select id from audit_log where company_id = ${companyId} and chain_seq = 4`;
    await asSuperuser(async (tx) => {
      await tx`update audit_log a set content_hash = audit_log__content_hash(a) where id = ${forged!.id}`;
      await tx`update audit_log a set chain_hash = audit_log__link((select chain_hash from audit_log where id = ${ids[2]!}), a.content_hash) where id = ${forged!.id}`;
    });
    expect((await verifyAuditChains(db.sql, { companyId })).firstBreak).toMatchObject({ entryId: forged!.id, position: 4, reason: 'head_mismatch' });

    // In the middle, hashed as the trigger would have, the entries after it moved one position down: the next link breaks.
    const other = await companyWithEntries(3);
    await asSuperuser(async (tx) => {
      await tx`update audit_log set chain_seq = chain_seq + 10 where company_id = ${other.companyId} and chain_seq >= 2`;
      await tx`update audit_log set chain_seq = chain_seq - 9 where company_id = ${other.companyId} and chain_seq >= 12`;
      await tx`
        insert into audit_log (actor_account_id, action, subject_type, subject_id, company_id, chain_seq, content_hash, chain_hash, seal_salt)
        values (null, 'test.inserted', 'account', 'x', ${other.companyId}, 2, '\\x', '\\x', '\\x0102')`;
      await tx`update audit_log a set content_hash = audit_log__content_hash(a) where company_id = ${other.companyId} and chain_seq = 2`;
      await tx`
        update audit_log a set chain_hash = audit_log__link((select chain_hash from audit_log where id = ${other.ids[0]!}), a.content_hash)
         where company_id = ${other.companyId} and chain_seq = 2`;
      await tx`update audit_chain_heads set last_seq = 4 where chain_id = ${other.companyId}`;
    });
    expect((await verifyAuditChains(db.sql, { companyId: other.companyId })).firstBreak)
      .toMatchObject({ entryId: other.ids[1], position: 3, reason: 'link_broken' });
  });

  test('other chains are unaffected, and every broken chain is listed with its first break', async () => {
    const clean = await companyWithEntries(2);
    const broken = await companyWithEntries(2);
    await asSuperuser((tx) => tx`update audit_log set subject_type = 'other' where id = ${broken.ids[1]!}`);
    expect(verified(await verifyAuditChains(db.sql, { companyId: clean.companyId }))).toEqual({ ok: true, firstBreak: null });
    const all = await verifyAuditChains(db.sql);
    expect(all.breaks).toEqual(expect.arrayContaining([expect.objectContaining({ companyId: broken.companyId, entryId: broken.ids[1] })]));
    expect(all.breaks.map((b) => b.companyId)).not.toContain(clean.companyId);
  });
});

describe('erasure', () => {
  test('an erasure\'s redaction keeps every chain valid, seals the entries it changed, and leaves no salt to test a guess with', async () => {
    const { person } = await personWithEverything(db.sql, { accounts: 1 });
    const accountId = person.accountIds[0]!;
    const companyId = await insertCompany(db.sql);
    const bystander = randomUUID();
    await appendAudit(db.sql, entry(companyId, 'member.deactivated', {
      actorAccountId: accountId, subjectId: bystander, details: { address: '203.0.113.9', ids: [bystander, accountId] }, ip: '203.0.113.9',
    }));
    await appendAudit(db.sql, entry(companyId, 'member.looked_up'));
    const [before] = await db.sql<{ id: string }[]>`select id from audit_log where company_id = ${companyId} and action = 'member.deactivated'`;

    await removeAccountForDeletion(db.sql, { deletionId: randomUUID(), accountId, addressTtlMs: 600_000, addressSubject: (a) => `hmac-of-${a}` });

    const [after] = await db.sql<{ actorAccountId: string; details: Record<string, unknown>; ip: string | null; sealSalt: Buffer | null; redacted: boolean; slots: number }[]>`
      select actor_account_id, details, ip::text as ip, seal_salt, redacted_at is not null as redacted, cardinality(seal_slots) as slots
        from audit_log where id = ${before!.id}`;
    expect(after).toEqual({
      // The address and the client ip of an erased person's entry go with the ids (00020).
      actorAccountId: expect.stringMatching(/^e7a5ed00-/), details: { ids: [bystander, after!.actorAccountId] }, ip: null, sealSalt: null, redacted: true,
      slots: 6, // the actor, the subject, the two ids in details, the address, the ip
    });
    expect(verified(await verifyAuditChains(db.sql, { companyId }))).toEqual({ ok: true, firstBreak: null });
    const platform = await verifyAuditChains(db.sql, { companyId: null });
    expect(verified(platform)).toEqual({ ok: true, firstBreak: null });
    expect(platform.redactedEntries).toBeGreaterThan(0);

    // A second redaction of an already redacted entry (the bystander erased later) keeps it verifiable too.
    await db.sql`select audit_log_redact(${db.sql.json({ [bystander]: newTombstone() })})`;
    expect(verified(await verifyAuditChains(db.sql, { companyId }))).toEqual({ ok: true, firstBreak: null });
  });

  test('a redacted entry is still protected: an id or address put back, or a kept id changed, is found', async () => {
    const companyId = await insertCompany(db.sql);
    const [erased, kept] = [randomUUID(), randomUUID()];
    await appendAudit(db.sql, entry(companyId, 'test.redacted', { actorAccountId: erased, subjectId: kept, details: { address: '198.51.100.7' } }));
    await db.sql`select audit_log_redact(${db.sql.json({ [erased]: newTombstone() })})`;
    const [row] = await db.sql<{ id: string }[]>`select id from audit_log where company_id = ${companyId}`;
    expect(verified(await verifyAuditChains(db.sql, { companyId }))).toEqual({ ok: true, firstBreak: null });

    await asSuperuser((tx) => tx`update audit_log set subject_id = ${randomUUID()} where id = ${row!.id}`);
    expect((await verifyAuditChains(db.sql, { companyId })).firstBreak).toMatchObject({ entryId: row!.id, reason: 'content_changed' });
    await asSuperuser((tx) => tx`update audit_log set subject_id = ${kept}, details = '{"address": "198.51.100.7"}' where id = ${row!.id}`);
    expect((await verifyAuditChains(db.sql, { companyId })).firstBreak).toMatchObject({ entryId: row!.id, reason: 'content_changed' });
    await asSuperuser((tx) => tx`update audit_log set details = '{}', actor_account_id = ${erased} where id = ${row!.id}`);
    expect((await verifyAuditChains(db.sql, { companyId })).firstBreak).toMatchObject({ entryId: row!.id, reason: 'content_changed' });
  });
});

describe('the migration', () => {
  test('chains the entries written before it, per company, in id order', async () => {
    const empty = await createEmptyDatabase();
    const sql = createSql({ databaseUrl: empty.url, max: 1 });
    try {
      const dir = path.join(ROOT, 'db', 'migrations');
      const files = fs.readdirSync(dir).filter((f) => /^\d{5}_.*\.sql$/.test(f)).sort();
      const upTo = (last: string) => files.filter((f) => f <= last);
      for (const f of upTo('00014_company_audit.sql')) await sql.begin((tx) => tx.file(path.join(dir, f)));
      const companyId = await insertCompany(sql);
      for (const companyOf of [companyId, null, companyId, null, companyId]) await appendAudit(sql, entry(companyOf, 'test.before'));
      await sql`select audit_log_redact(${sql.json({ [randomUUID()]: newTombstone() })})`;

      await sql.begin((tx) => tx.file(path.join(dir, '00015_audit_chain.sql')));

      const rows = await sql<{ chainId: string; chainSeq: string; id: string }[]>`select chain_id, chain_seq, id from audit_log order by chain_id, chain_seq`;
      const ordered = (chain: string) => rows.filter((r) => r.chainId === chain);
      expect(ordered(companyId).map((r) => [r.chainSeq, r.id])).toEqual([['1', '1'], ['2', '3'], ['3', '5']]);
      expect(ordered('00000000-0000-0000-0000-000000000000').map((r) => [r.chainSeq, r.id])).toEqual([['1', '2'], ['2', '4']]);
      expect(await verifyAuditChains(sql)).toMatchObject({ ok: true, chains: 2, entries: 5 });
      // Appending after the migration continues each chain.
      await appendAudit(sql, entry(companyId, 'test.after'));
      expect(await verifyAuditChains(sql, { companyId })).toMatchObject({ ok: true, entries: 4 });
    } finally {
      await sql.end({ timeout: 5 });
      await empty.drop();
    }
  });
});

describe('npm run audit:verify', () => {
  const verify = (args: string[]) => runScript('scripts/audit-verify.ts', { DATABASE_URL: db.url }, args);

  test('exit 0 and a JSON report for a sound chain; exit 1 naming the entry for a broken one; exit 2 for bad arguments', async () => {
    const sound = await companyWithEntries(3);
    const broken = await companyWithEntries(3);
    await asSuperuser((tx) => tx`update audit_log set details = '{"n": 99}' where id = ${broken.ids[1]!}`);

    const [ok, bad, all, text, usage] = await Promise.all([
      verify(['--company', sound.companyId, '--json']),
      verify(['--company', broken.companyId, '--json']),
      verify(['--json']),
      verify(['--company', broken.companyId]),
      verify(['--company', 'not-a-company']),
    ]);
    expect({ status: ok.status, report: JSON.parse(ok.stdout) }).toEqual({
      status: 0, report: { ok: true, chains: 1, brokenChains: 0, entries: 3, redactedEntries: 0, firstBreak: null, breaks: [] },
    });
    expect({ status: bad.status, report: JSON.parse(bad.stdout) }).toMatchObject({
      status: 1, report: { ok: false, chains: 1, brokenChains: 1, entries: 3, firstBreak: { companyId: broken.companyId, entryId: broken.ids[1], position: 2, reason: 'content_changed' } },
    });
    // The whole database: the tampering of the tests above too.
    expect({ status: all.status, ok: JSON.parse(all.stdout).ok }).toEqual({ status: 1, ok: false });
    expect(JSON.parse(all.stdout).brokenChains).toBeGreaterThanOrEqual(8);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`entry ${broken.ids[1]} at position 2: content_changed`);
    expect({ status: usage.status, stderr: usage.stderr }).toEqual({ status: 2, stderr: expect.stringContaining('usage: npm run audit:verify') });
  });
});
