// Offboarding one person end to end (issue 14, README "Offboarding"): the API, the real worker, Postgres and the SMTP
// sink. Apps reassigned, training apps deleted, every credential revoked, accounts deactivated, automations listed in
// the report and in the successor's email; an HR system that retries gets the same run; the company boundary.
import { removeAccountForDeletion } from '../../libraries/accountDeletion/removal';
import { hmacHex } from '../../lib/crypto';
import { createCompany, type TestCompany } from '../helpers/company';
import { leftovers } from '../helpers/erasure';
import { checkedHttp, expectError } from '../helpers/http';
import { leaver, liveCredentials, waitForRun, type Leaver } from '../helpers/offboarding';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const { call } = checkedHttp(stack);
const runs = (c: TestCompany) => `/v1/companies/${c.companyId}/offboardings`;
const start = (c: TestCompany, body: Record<string, unknown>, headers = c.admin.headers) => call('POST', runs(c), { headers, body });

describe('an offboarding does every step once, and reports it', () => {
  let company: TestCompany;
  let l: Leaver;
  let done: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the JSON answer

  beforeAll(async () => {
    company = await createCompany(stack);
    l = await leaver(stack, company);
    const r = await start(company, {
      email: l.person.emails[1]!.toUpperCase(), successor: company.member.email, trainingApps: ['no-other-members'], reason: `Left, ${l.tag}`,
    });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`${runs(company)}/${r.body.id}`);
    expect(r.body).toMatchObject({ status: expect.stringMatching(/^(scheduled|running)$/), person: { accountIds: l.person.accountIds } });
    done = await waitForRun(call, company, r.body.id);
  });

  test('completed, offboarded, every step done or skipped with its reason', () => {
    expect(done).toMatchObject({ status: 'completed', result: 'offboarded', failure: null, currentStep: null, reason: `Left, ${l.tag}` });
    expect(done.steps.map((s: { step: string; state: string }) => `${s.step}:${s.state}`)).toEqual([
      'find_accounts:done', 'list_automations:done', 'reassign_apps:done', 'delete_training_apps:done',
      'revoke_access:done', 'deactivate_accounts:done', 'notify_successor:done', 'write_report:done',
    ]);
  });

  test('the successor is the technical contact of the person\'s apps; apps only the person belonged to are deleted, a licensed one skipped', async () => {
    const apps = await stack.sql<{ id: string; contact: string | null }[]>`
      select id, technical_contact_account_id as contact from apps where id = any(${Object.values(l.apps)}::uuid[])`;
    const contact = Object.fromEntries(apps.map((a) => [a.id, a.contact]));
    expect(contact[l.apps.contact0]).toBe(company.member.accountId);
    expect(contact[l.apps.colleagues]).toBe(l.colleague.accountId);
    expect(l.apps.training in contact).toBe(false);
    expect(l.apps.contact1 in contact).toBe(false); // nobody else belonged to it: designated by "no-other-members"
    expect(l.apps.licensed in contact).toBe(true);
    expect(done.report).toMatchObject({
      appsReassigned: [l.apps.contact0, l.apps.contact1].sort(),
      trainingApps: {
        designated: [l.apps.contact1, l.apps.training, l.apps.licensed].sort(),
        deleted: [l.apps.contact1, l.apps.training].sort(),
        skipped: [{ appId: l.apps.licensed, reason: 'licensed' }],
      },
    });
  });

  test('every session, key and token is revoked, and the accounts are deactivated', async () => {
    expect(await liveCredentials(stack.sql, l.person.accountIds)).toEqual({ sessions: 0, pats: 0, keys: 0 });
    expect(done.report.credentialsRevoked).toEqual({ sessions: 1, apiKeys: 1, personalAccessTokens: 3 });
    const statuses = await stack.sql<{ status: string }[]>`select status from accounts where id = any(${l.person.accountIds}::uuid[])`;
    expect(statuses.map((s) => s.status)).toEqual(['deactivated', 'deactivated']);
    expect([...done.report.accountsDeactivated].sort()).toEqual([...l.person.accountIds].sort());
    expectError(await call('GET', '/v1/profile', { token: l.session }), 401, 'auth.unauthenticated');
  });

  test('the automations used in the last 30 days are in the report and in the successor\'s one email', async () => {
    expect(done.report.automations).toEqual([
      { kind: 'apiKey', id: l.tokens.key, accountId: l.person.accountIds[1], name: `Model SDK ${l.tag}`, scopes: null, lastUsedAt: expect.any(String) },
      {
        kind: 'personalAccessToken', id: l.tokens.recent, accountId: l.person.accountIds[0], name: `CI deploy ${l.tag}`,
        scopes: ['apps:read', 'offboarding:read'], lastUsedAt: expect.any(String),
      },
    ]);
    const mails = stack.mail.messages.filter((m) => m.to.includes(company.member.email));
    expect(mails).toHaveLength(1);
    const text = mails[0]!.raw.replace(/=\r?\n/g, '');
    expect(mails[0]!.subject).toContain(`Leaver ${l.tag} was offboarded`);
    for (const s of [`CI deploy ${l.tag}`, `Model SDK ${l.tag}`, `Portal ${l.tag}`, 'apps:read, offboarding:read']) expect(text).toContain(s);
    for (const s of [`Old script ${l.tag}`, `Never used ${l.tag}`, `Billing ${l.tag}`]) expect(text).not.toContain(s);
  });

  test('audited in the company\'s log: the request by the admin, each change by the run', async () => {
    const rows = await stack.sql<{ action: string; actorAccountId: string; actorCredential: string; subjectId: string }[]>`
      select action, actor_account_id, actor_credential, subject_id from audit_log
       where company_id = ${company.companyId} and (details->>'offboardingId' = ${done.id} or subject_id = ${done.id}) order by id`;
    expect(rows[0]).toMatchObject({ action: 'offboarding.requested', actorCredential: 'session', actorAccountId: company.admin.accountId });
    const actions = rows.map((r) => r.action);
    for (const a of ['app.technical_contact_changed', 'app.deleted', 'offboarding.access_revoked', 'member.deactivated', 'offboarding.completed']) {
      expect(actions).toContain(a);
    }
    expect(rows.filter((r) => r.action === 'member.deactivated').map((r) => r.subjectId).sort()).toEqual([...l.person.accountIds].sort());
    expect(rows.slice(1).every((r) => r.actorCredential === 'system' && r.actorAccountId === company.admin.accountId)).toBe(true);
  });

  test('a retry of the finished run answers 200 with its report and does nothing again', async () => {
    const auditBefore = await stack.sql`select id from audit_log where company_id = ${company.companyId} and action <> 'offboarding.requested'`;
    const again = await start(company, { uuid: l.person.accountIds[0], successor: company.member.accountId, trainingApps: [] });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ id: done.id, status: 'completed', report: done.report });
    const auditAfter = await stack.sql`select id from audit_log where company_id = ${company.companyId} and action <> 'offboarding.requested'`;
    expect(auditAfter.length).toBe(auditBefore.length);
    expect(stack.mail.messages.filter((m) => m.to.includes(company.member.email))).toHaveLength(1);
  });

  test('erasing the person leaves no trace of them in the offboarding tables: ids tombstoned, reason and token names gone', async () => {
    for (const [i, accountId] of l.person.accountIds.entries()) {
      await removeAccountForDeletion(stack.sql, {
        deletionId: `00000000-0000-4000-8000-00000000000${i}`, accountId, addressTtlMs: 60_000,
        addressSubject: (a) => hmacHex(stack.config.keys.addressKey, a.toLowerCase()),
      });
    }
    const needles = [l.person.profileId, ...l.person.accountIds, ...l.person.emails, `Leaver ${l.tag}`, `CI deploy ${l.tag}`, `Model SDK ${l.tag}`, `Left, ${l.tag}`];
    expect((await leftovers(stack.sql, needles)).filter((line) => line.startsWith('offboarding'))).toEqual([]);
    const r = await call('GET', `${runs(company)}/${done.id}`, { headers: company.admin.headers });
    expect(r.body).toMatchObject({ status: 'completed', reason: null });
    expect(r.body.report.automations).toHaveLength(2);
    for (const a of r.body.report.automations) expect(a).not.toHaveProperty('name');
  });
});

describe('idempotency for HR systems', () => {
  test('concurrent requests for one person get one run', async () => {
    const company = await createCompany(stack);
    const l = await leaver(stack, company);
    const body = { email: l.person.emails[0], successor: company.member.email, effectiveAt: new Date(Date.now() + 3_600_000).toISOString() };
    const answers = await Promise.all(Array.from({ length: 6 }, () => start(company, body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 202]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect((await call('DELETE', `${runs(company)}/${answers[0]!.body.id}`, { headers: company.admin.headers })).body.status).toBe('cancelled');
    // Cancelled, the person is free again: a new request is a new run.
    const next = await start(company, body);
    expect(next.status).toBe(202);
    expect(next.body.id).not.toBe(answers[0]!.body.id);
    await call('DELETE', `${runs(company)}/${next.body.id}`, { headers: company.admin.headers });
  });

  test('an Idempotency-Key answers what it answered first, and is refused with another request', async () => {
    const company = await createCompany(stack);
    const [a, b] = [await leaver(stack, company), await leaver(stack, company)];
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const headers = { ...company.admin.headers, 'idempotency-key': `hr-sync-${a.tag}` };
    const first = await start(company, { email: a.person.emails[0], successor: company.member.email, effectiveAt: later }, headers);
    expect(first.status).toBe(202);
    const retry = await start(company, { email: a.person.emails[0], successor: company.member.email, effectiveAt: later }, headers);
    expect(retry).toMatchObject({ status: 200, body: { id: first.body.id } });
    expectError(await start(company, { email: b.person.emails[0], successor: company.member.email, effectiveAt: later }, headers), 422, 'offboarding.idempotency_key_reused');
    expectError(await start(company, { email: b.person.emails[0], successor: company.member.email }, { ...headers, 'idempotency-key': 'k'.repeat(256) }), 400, 'request.invalid');
    const keys = await stack.sql`select key_hmac from offboarding_request_keys where company_id = ${company.companyId}`;
    expect(JSON.stringify(keys)).not.toContain('hr-sync');
    await call('DELETE', `${runs(company)}/${first.body.id}`, { headers: company.admin.headers });
  });

  test('a person with no account here completes with result no_account, every other step skipped; a retry gets the same run', async () => {
    const company = await createCompany(stack);
    const r = await start(company, { email: 'nobody-here@test.custodian.test', successor: company.member.email });
    expect(r.status).toBe(202);
    const done = await waitForRun(call, company, r.body.id);
    expect(done).toMatchObject({ status: 'completed', result: 'no_account', person: { profileId: null, accountIds: [] } });
    expect(done.report.steps.filter((s: { outcome: string }) => s.outcome === 'skipped').map((s: { reason: string }) => s.reason))
      .toEqual(Array(6).fill('no_account'));
    expect((await start(company, { email: 'NOBODY-here@test.custodian.test', successor: company.member.email })).body.id).toBe(r.body.id);
    const [row] = await stack.sql<{ personKey: string }[]>`select person_key from offboardings where id = ${r.body.id}`;
    expect(row!.personKey).toMatch(/^address:[0-9a-f]{64}$/); // the address only as its HMAC
  });
});

describe('a completed run answers for the person until they are active again', () => {
  test('reactivated (a separate, audited action), the person is offboarded by a new run', async () => {
    const company = await createCompany(stack);
    const l = await leaver(stack, company);
    const body = { email: l.person.emails[0], successor: company.member.email };
    const first = await waitForRun(call, company, (await start(company, body)).body.id);
    expect((await start(company, body)).body.id).toBe(first.id);
    const reactivated = await call('DELETE', `/v1/companies/${company.companyId}/members/${l.person.accountIds[1]}/deactivation`, { headers: company.admin.headers });
    expect(reactivated.body).toMatchObject({ status: 'active', changed: true });
    const second = await start(company, body);
    expect(second.status).toBe(202);
    expect(second.body.id).not.toBe(first.id);
    const done = await waitForRun(call, company, second.body.id);
    expect(done.report).toMatchObject({ accountsDeactivated: [l.person.accountIds[1]], accountsAlreadyDeactivated: [l.person.accountIds[0]] });
  });
});

describe('who may offboard whom', () => {
  test('a member 403, another company 404, a service account with offboarding:write yes, with only :read no', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const l = await leaver(stack, company);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const body = { email: l.person.emails[0], successor: company.member.email, effectiveAt: later };
    expectError(await start(company, body, company.member.headers), 403, 'company.admin_required');
    expectError(await start(company, body, other.admin.headers), 404, 'company.not_found');
    const reader = await company.serviceAccount(['offboarding:read']);
    expectError(await start(company, body, reader.headers), 403, 'auth.insufficient_scope');
    const writer = await company.serviceAccount(['offboarding:write']);
    const started = await start(company, body, writer.headers);
    expect(started.status).toBe(202);
    const path = `${runs(company)}/${started.body.id}`;
    expect((await call('GET', path, { headers: reader.headers })).status).toBe(200);
    expectError(await call('GET', path, { headers: writer.headers }), 403, 'auth.insufficient_scope');
    expectError(await call('GET', `${runs(other)}/${started.body.id}`, { headers: other.admin.headers }), 404, 'offboarding.not_found');
    expectError(await call('GET', path, { headers: other.admin.headers }), 404, 'company.not_found');
    expectError(await call('DELETE', path, { headers: company.member.headers }), 403, 'company.admin_required');
    expect((await call('DELETE', path, { headers: writer.headers })).body.status).toBe('cancelled');
  });

  test('refusals: the caller themselves, a successor who is not an active human member, an app of another company', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const l = await leaver(stack, company);
    const gone = await company.addMember();
    await stack.sql`update accounts set status = 'deactivated' where id = ${gone.accountId}`;
    const svc = await company.serviceAccount(['offboarding:read']);
    const [foreignApp] = await stack.sql<{ id: string }[]>`insert into apps (company_id, name) values (${other.companyId}, 'Theirs') returning id`;
    const base = { email: l.person.emails[0], successor: company.member.email };
    expectError(await start(company, { ...base, email: company.admin.email }), 409, 'offboarding.cannot_offboard_self');
    expectError(await start(company, { ...base, successor: other.admin.email }), 422, 'offboarding.successor_not_member');
    expectError(await start(company, { ...base, successor: gone.accountId }), 422, 'offboarding.successor_deactivated');
    expectError(await start(company, { ...base, successor: svc.accountId }), 422, 'offboarding.successor_service_account');
    expectError(await start(company, { ...base, successor: l.person.emails[1] }), 422, 'offboarding.successor_is_person');
    expectError(await start(company, { ...base, trainingApps: [foreignApp!.id] }), 422, 'offboarding.unknown_app');
    expectError(await start(company, { successor: company.member.email }), 400, 'request.invalid');
    expectError(await start(company, { ...base, uuid: l.person.accountIds[0] }), 400, 'request.invalid');
    expect(await stack.sql`select id from offboardings where company_id = ${company.companyId}`).toHaveLength(0);
  });
});

describe('GET .../offboardings', () => {
  test('lists the company\'s runs newest first by cursor, filtered by status', async () => {
    const company = await createCompany(stack);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const l = await leaver(stack, company);
      ids.push((await start(company, { uuid: l.person.profileId, successor: company.member.email, effectiveAt: later })).body.id);
    }
    await call('DELETE', `${runs(company)}/${ids[0]}`, { headers: company.admin.headers });
    const first = await call('GET', `${runs(company)}?limit=2`, { headers: company.admin.headers });
    expect(first.body.items.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    const second = await call('GET', `${runs(company)}?limit=2&cursor=${first.body.nextCursor}`, { headers: company.admin.headers });
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: ids[0], status: 'cancelled' })], nextCursor: null });
    const scheduled = await call('GET', `${runs(company)}?status=scheduled`, { headers: company.admin.headers });
    expect(scheduled.body.items.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    expectError(await call('GET', `${runs(company)}?cursor=nonsense`, { headers: company.admin.headers }), 400, 'request.invalid_cursor');
    // Hand-made keys the query's ::bigint would refuse: not digits, a fraction, past bigint, negative.
    for (const key of ['abc', 1.5, '99999999999999999999', '-1', '1e3']) {
      const forged = Buffer.from(JSON.stringify([key])).toString('base64url');
      expectError(await call('GET', `${runs(company)}?cursor=${forged}`, { headers: company.admin.headers }), 400, 'request.invalid_cursor');
    }
    for (const id of ids.slice(1)) await call('DELETE', `${runs(company)}/${id}`, { headers: company.admin.headers });
  });
});

describe('dates Postgres cannot take', () => {
  // Well-formed ISO instants outside 1970..9999 in UTC: year 0000, and 9999-12-31 at -23:59, which is year 10000.
  const EXTREMES = ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59', '1969-12-31T23:59:59Z'];

  test('effectiveAt of an offboarding or of a batch: 400 request.invalid, nothing started', async () => {
    const company = await createCompany(stack);
    const l = await leaver(stack, company);
    for (const effectiveAt of EXTREMES) {
      const r = await start(company, { email: l.person.emails[0], successor: company.member.email, effectiveAt });
      expectError(r, 400, 'request.invalid');
      expect(r.body.details.map((d: { path: string }) => d.path)).toContain('body.effectiveAt');
      const batch = await call('POST', `/v1/companies/${company.companyId}/offboarding-batches?effectiveAt=${encodeURIComponent(effectiveAt)}`, {
        headers: company.admin.headers, body: { people: [{ email: l.person.emails[0], successor: company.member.email }] },
      });
      expectError(batch, 400, 'request.invalid');
    }
    expect(await stack.sql`select id from offboardings where company_id = ${company.companyId}`).toHaveLength(0);
  });
});
