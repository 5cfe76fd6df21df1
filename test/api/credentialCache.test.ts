// The per-process token cache (README "The token cache"): served from memory, invalidated by the triggers'
// NOTIFY, and a revocation answers only once every API process has evicted, so the very next request on any
// process is refused; a process whose listener is down reads Postgres; last uses are written in batches.
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import type { ReservedSql } from 'postgres';
import { CREDENTIAL_CACHE_CHANNEL, CREDENTIAL_CACHE_LISTENER_PREFIX } from '../../db/queries/credentialCache';
import { createCompany } from '../helpers/company';
import { TOKENS, developerSettingsApi, patHeaders, secondApi } from '../helpers/developerSettings';
import { expectError } from '../helpers/http';
import { withSlowProcess } from '../helpers/slowListener';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

let api2: Awaited<ReturnType<typeof secondApi>> | undefined;
const stack = suiteStack({ worker: false }, async () => api2?.close());
const { call, signedIn, createPat, withPat } = developerSettingsApi(stack);
const WHO = '/v1/credentials/current';
const B = () => api2!;
const cacheA = () => stack.credentialCache!;

beforeAll(async () => {
  api2 = await secondApi(stack);
});

/** A change the triggers do not see (session_replication_role = replica): only a cache would miss it. */
async function behindTheTriggers(change: (sql: ReservedSql) => Promise<unknown>): Promise<void> {
  const conn = await stack.sql.reserve();
  try {
    await conn`set session_replication_role = replica`;
    await change(conn);
  } finally {
    await conn`reset session_replication_role`;
    conn.release();
  }
}

const lastUsed = async (id: string) =>
  (await stack.sql<{ lastUsedAt: Date | null }[]>`select last_used_at from personal_access_tokens where id = ${id}`)[0]!.lastUsedAt;

describe('served from memory, invalidated by the triggers', () => {
  test('a hit reads nothing (a change behind the triggers is not seen); a change through them is', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { scopes: ['profile:read'] });
    expect((await withPat('GET', WHO, pat.token)).body.scopes).toEqual(['profile:read']);
    await behindTheTriggers((sql) => sql`update personal_access_tokens set scopes = '{accounts:read}' where id = ${pat.id}`);
    expect((await withPat('GET', WHO, pat.token)).body.scopes).toEqual(['profile:read']);
    // A scope change written by SQL, as a script or a workflow's activity would: the trigger evicts it everywhere.
    await stack.sql`update personal_access_tokens set scopes = '{developer-settings:read}' where id = ${pat.id}`;
    await eventually(async () => expect((await B().get(WHO, patHeaders(pat.token))).body.scopes).toEqual(['developer-settings:read']), 2_000);
    expect((await withPat('GET', WHO, pat.token)).body.scopes).toEqual(['developer-settings:read']);
  });

  test('the owner made a company admin outside the API (trigger only): seen by every process', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { scopes: ['profile:read'] });
    expect((await B().get(WHO, patHeaders(pat.token))).body.isCompanyAdmin).toBe(false);
    const [company] = await stack.sql<{ id: string }[]>`insert into companies (name) values ('Cache Corp') returning id`;
    await stack.sql`update accounts set company_id = ${company!.id}, is_company_admin = true where id = ${me.person.accountIds[0]!}`;
    // After a barrier, every listener has handled what was committed before it.
    expect(await cacheA().awaitEviction()).toMatchObject({ timedOut: false });
    expect((await B().get(WHO, patHeaders(pat.token))).body).toMatchObject({ companyId: company!.id, isCompanyAdmin: true });
  });

  test('failures are never stored: a bad token fills nothing, a reactivated owner works at once', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token);
    await stack.sql`update accounts set status = 'deactivated', deactivated_at = now() where id = ${me.person.accountIds[0]!}`;
    await cacheA().awaitEviction();
    const size = cacheA().tokens.size;
    expectError(await withPat('GET', WHO, pat.token), 403, 'auth.account_deactivated');
    expectError(await withPat('GET', WHO, `${pat.token.slice(0, -8)}AAAAAAAA`), 403, 'auth.invalid_token');
    expect(cacheA().tokens.size).toBe(size);
    await stack.sql`update accounts set status = 'active', deactivated_at = null where id = ${me.person.accountIds[0]!}`;
    expect((await withPat('GET', WHO, pat.token)).status).toBe(200);
  });
});

describe('revoked through one process: the very next request on another is refused', () => {
  test('a deleted token, 30 times over, with requests arriving at the other process throughout', async () => {
    const me = await signedIn();
    for (let round = 0; round < 30; round++) {
      const pat = await createPat(me.token, { scopes: ['profile:read'] });
      const headers = patHeaders(pat.token);
      expect((await B().get(WHO, headers)).status).toBe(200);
      expect((await withPat('GET', WHO, pat.token)).status).toBe(200);
      // Lookups in flight on B while A deletes: whichever starts after the deletion answered must be refused.
      let deletedAt = Infinity;
      let stop = false;
      const late: number[] = [];
      const traffic = (async () => {
        while (!stop) {
          const started = performance.now();
          const r = await B().get(WHO, headers);
          if (started > deletedAt && r.status !== 403) late.push(r.status);
        }
      })();
      const deleted = await call('DELETE', `${TOKENS}/${pat.id}`, { token: me.token });
      deletedAt = performance.now();
      const next = await B().get(WHO, headers);
      stop = true;
      await traffic;
      expect({ round, deleted: deleted.status, next: next.status, code: next.body.code, late }).toEqual({
        round, deleted: 204, next: 403, code: 'auth.invalid_token', late: [],
      });
    }
  });

  test('another process that hears notifications 300 ms late: the deletion waits for it, its next request is refused', async () => {
    await withSlowProcess(stack, async (slow) => {
      const me = await signedIn();
      for (let round = 0; round < 3; round++) {
        const pat = await createPat(me.token, { scopes: ['profile:read'] });
        expect((await slow.get(WHO, patHeaders(pat.token))).status).toBe(200);
        const started = performance.now();
        expect((await call('DELETE', `${TOKENS}/${pat.id}`, { token: me.token })).status).toBe(204);
        const waited = performance.now() - started;
        const next = await slow.get(WHO, patHeaders(pat.token));
        expect({ round, next: next.status, waitedForIt: waited >= 250 }).toEqual({ round, next: 403, waitedForIt: true });
      }
    });
  });

  test('the owner deactivated through the company API: the next request on the other processes is refused', async () => {
    const company = await createCompany(stack);
    await withSlowProcess(stack, async (slow) => {
      for (let round = 0; round < 3; round++) {
        const member = await company.addMember();
        const pat = await createPat(member.headers.authorization!.replace('Bearer ', ''), { scopes: ['profile:read'] });
        for (const api of [B(), slow]) expect((await api.get('/v1/profile', patHeaders(pat.token))).status).toBe(200);
        const r = await call('POST', `/v1/companies/${company.companyId}/members/${member.accountId}/deactivation`, { headers: company.admin.headers });
        expect(r.status).toBe(200);
        const next = await Promise.all([B(), slow].map(async (api) => (await api.get('/v1/profile', patHeaders(pat.token))).status));
        expect({ round, next }).toEqual({ round, next: [403, 403] });
      }
    });
  });

  test('a service account revoked, and a service account\'s token deleted: refused on the other process at once', async () => {
    const company = await createCompany(stack);
    const base = `/v1/companies/${company.companyId}/service-accounts`;
    const first = await company.serviceAccount(['company-users:read']);
    const second = await company.serviceAccount(['company-users:read']);
    const members = `/v1/companies/${company.companyId}/members`;
    for (const sa of [first, second]) expect((await B().get(members, sa.headers)).status).toBe(200);
    const [token] = await stack.sql<{ id: string }[]>`select id from personal_access_tokens where account_id = ${second.accountId}`;
    expect((await call('DELETE', `${base}/${first.accountId}`, { headers: company.admin.headers })).status).toBe(200);
    expect((await B().get(members, first.headers)).status).toBe(403);
    expect((await call('DELETE', `${base}/${second.accountId}/tokens/${token!.id}`, { headers: company.admin.headers })).status).toBe(204);
    expect((await B().get(members, second.headers)).status).toBe(403);
  });
});

describe('a process that may have missed a notification does not serve from its cache', () => {
  test('its listener killed: it reads Postgres until it listens again, and the revocation barrier does not wait for it', async () => {
    // A slow retry, so the test sees it down.
    const api3 = await secondApi(stack, { retryMs: 2_000 });
    try {
      const c3 = api3.credentialCache!;
      const me = await signedIn();
      const pat = await createPat(me.token, { scopes: ['profile:read'] });
      expect((await api3.get(WHO, patHeaders(pat.token))).status).toBe(200);
      const [killed] = await stack.sql<{ n: number }[]>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = ${c3.name}`;
      expect(killed!.n).toBe(1);
      await eventually(() => expect(c3.listening).toBe(false), 2_000);
      // Down: a lookup is not stored, so a change it could not hear of is seen on the next request.
      expect((await api3.get(WHO, patHeaders(pat.token))).status).toBe(200);
      await behindTheTriggers((sql) => sql`update personal_access_tokens set revoked_at = now() where id = ${pat.id}`);
      expectError(await api3.get(WHO, patHeaders(pat.token)), 403, 'auth.invalid_token');
      const outcome = await cacheA().awaitEviction();
      expect(outcome).toMatchObject({ timedOut: false });
      expect(outcome.listeners).toBe(2); // A and B; not the one that is down

      await eventually(() => expect(c3.listening).toBe(true), 10_000);
      const another = await createPat(me.token, { scopes: ['profile:read'] });
      expect((await api3.get(WHO, patHeaders(another.token))).status).toBe(200);
      expect(c3.tokens.size).toBe(1);
      expect((await cacheA().awaitEviction()).listeners).toBe(3);
    } finally {
      await api3.close();
    }
  });

  test('a listener that never answers delays a revocation by the timeout at most; one that goes is no longer waited for', async () => {
    const silent = postgres(stack.db.url, { max: 1, onnotice: () => undefined, connection: { application_name: `${CREDENTIAL_CACHE_LISTENER_PREFIX}silent-${Date.now()}` } });
    try {
      await silent.unsafe(`listen "${CREDENTIAL_CACHE_CHANNEL}"`);
      const stuck = await cacheA().awaitEviction();
      expect(stuck).toMatchObject({ listeners: 3, acknowledged: 2, timedOut: true });
      const gone = cacheA().awaitEviction();
      setTimeout(() => void silent.end(), 300);
      expect(await gone).toMatchObject({ listeners: 3, acknowledged: 2, timedOut: false });
    } finally {
      await silent.end();
    }
  });
});

describe('last used: in memory, written in batches', () => {
  test('no write per request; one per flush, at most once a minute per token, whatever the process; the rest on close', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token);
    for (let i = 0; i < 5; i++) expect((await withPat('GET', WHO, pat.token)).status).toBe(200);
    expect(await lastUsed(pat.id)).toBeNull();
    await cacheA().lastUsed.flush();
    const first = await lastUsed(pat.id);
    expect(first).toBeInstanceOf(Date);
    for (let i = 0; i < 5; i++) await withPat('GET', WHO, pat.token);
    await B().get(WHO, patHeaders(pat.token)); // B reads the use A wrote: none to queue
    expect(cacheA().lastUsed.pending + B().credentialCache!.lastUsed.pending).toBe(0);

    // A minute later (as the row says), another process's first use is queued, and written when it shuts down.
    await stack.sql`update personal_access_tokens set last_used_at = now() - interval '61 seconds' where id = ${pat.id}`;
    const before = await lastUsed(pat.id);
    const api3 = await secondApi(stack);
    await api3.get(WHO, patHeaders(pat.token));
    expect(api3.credentialCache!.lastUsed.pending).toBe(1);
    await api3.close();
    expect((await lastUsed(pat.id))!.getTime()).toBeGreaterThan(before!.getTime() + 50_000);
  });
});
