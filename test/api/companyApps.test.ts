// A company's apps over HTTP (issue 13 "Apps"): who an app's technical contact is and changing it, the
// backup-access report as JSON and CSV, and the two operations offboarding reuses (reassigning technical
// contacts, deleting training apps). Boundaries: a member is refused (403), another company's app is as
// missing as one that does not exist (404), and a service account needs the right scope.
import { randomUUID } from 'node:crypto';
import { deleteApps, reassignTechnicalContact } from '../../libraries/companyApps';
import { parseCsv } from '../../libraries/csv';
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call } = checkedHttp(stack);
const contactPath = (appId: string) => `/v1/apps/${appId}/technical-contact`;
const reportPath = (companyId: string) => `/v1/companies/${companyId}/reports/backup-access`;

async function insertApp(
  companyId: string,
  { name = `App ${randomUUID().slice(0, 6)}`, contact = null, licensed = false }: { name?: string; contact?: string | null; licensed?: boolean } = {},
): Promise<string> {
  const [row] = await stack.sql<{ id: string }[]>`
    insert into apps (company_id, name, license_type, technical_contact_account_id)
    values (${companyId}, ${name}, ${licensed ? 'licensed' : 'free'}, ${contact}) returning id`;
  return row!.id;
}

async function addAppMember(appId: string, accountId: string, { role = 'developer', backups = false } = {}): Promise<void> {
  await stack.sql`insert into app_members (app_id, account_id, role, can_access_backups) values (${appId}, ${accountId}, ${role}, ${backups})`;
}

const displayName = async (accountId: string) =>
  (await stack.sql<{ name: string }[]>`select p.display_name as name from accounts a join profiles p on p.id = a.profile_id where a.id = ${accountId}`)[0]!.name;
const contactOf = async (appId: string) =>
  (await stack.sql<{ c: string | null }[]>`select technical_contact_account_id as c from apps where id = ${appId}`)[0]!.c;
const membership = async (appId: string, accountId: string) =>
  (await stack.sql<{ role: string; canAccessBackups: boolean }[]>`
    select role, can_access_backups from app_members where app_id = ${appId} and account_id = ${accountId}`)[0];
const audit = (action: string, subjectId: string) => stack.sql<{ outcome: string; actorAccountId: string; companyId: string; details: Record<string, unknown> }[]>`
  select outcome, actor_account_id, company_id, details from audit_log where action = ${action} and subject_id = ${subjectId} order by id`;

describe('GET /v1/apps/{id}/technical-contact', () => {
  let company: TestCompany;
  let appId: string;
  beforeAll(async () => {
    company = await createCompany(stack);
    appId = await insertApp(company.companyId, { contact: company.member.accountId });
  });

  test('an admin learns who it is: account, login email, name and status', async () => {
    const r = await call('GET', contactPath(appId), { headers: company.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      appId,
      technicalContact: { accountId: company.member.accountId, email: company.member.email, name: await displayName(company.member.accountId), status: 'active' },
    });
  });

  test('an app without one: technicalContact null', async () => {
    const r = await call('GET', contactPath(await insertApp(company.companyId)), { headers: company.admin.headers });
    expect(r.body).toEqual({ appId: expect.any(String), technicalContact: null });
  });

  test('a service account needs apps:read', async () => {
    expect((await call('GET', contactPath(appId), { headers: (await company.serviceAccount(['apps:read'])).headers })).status).toBe(200);
    expectError(await call('GET', contactPath(appId), { headers: (await company.serviceAccount(['company-users:read'])).headers }), 403, 'auth.insufficient_scope');
  });

  test('another company\'s app answers exactly as a missing one; a member is refused; no credential is 401', async () => {
    const other = await createCompany(stack);
    const theirs = await call('GET', contactPath(appId), { headers: other.admin.headers });
    const missing = await call('GET', contactPath(randomUUID()), { headers: other.admin.headers });
    expectError(theirs, 404, 'app.not_found');
    expect(theirs.body).toEqual(missing.body);
    expectError(await call('GET', contactPath(appId), { headers: company.member.headers }), 403, 'company.admin_required');
    expectError(await call('GET', contactPath(appId)), 401, 'auth.unauthenticated');
  });
});

describe('PUT /v1/apps/{id}/technical-contact', () => {
  test('to an active member: changed, the contact joins the app, audited with the previous and the new account', async () => {
    const company = await createCompany(stack);
    const successor = await company.addMember();
    const appId = await insertApp(company.companyId, { contact: company.member.accountId });
    const r = await call('PUT', contactPath(appId), { headers: company.admin.headers, body: { accountId: successor.accountId } });
    expect(r.status).toBe(200);
    expect(r.body.technicalContact).toMatchObject({ accountId: successor.accountId, email: successor.email, status: 'active' });
    expect(await contactOf(appId)).toBe(successor.accountId);
    expect(await membership(appId, successor.accountId)).toEqual({ role: 'developer', canAccessBackups: false });
    expect(await audit('app.technical_contact_changed', appId)).toEqual([{
      outcome: 'succeeded', actorAccountId: company.admin.accountId, companyId: company.companyId,
      details: { previousAccountId: company.member.accountId, newAccountId: successor.accountId, changed: true },
    }]);
  });

  test('an existing membership is kept as it is; setting the same contact again changes nothing', async () => {
    const company = await createCompany(stack);
    const appId = await insertApp(company.companyId);
    await addAppMember(appId, company.member.accountId, { role: 'viewer', backups: true });
    const svc = await company.serviceAccount(['apps:write']);
    for (let i = 0; i < 2; i++) {
      const r = await call('PUT', contactPath(appId), { headers: svc.headers, body: { accountId: company.member.accountId } });
      expect(r.status).toBe(200);
    }
    expect(await membership(appId, company.member.accountId)).toEqual({ role: 'viewer', canAccessBackups: true });
    expect((await audit('app.technical_contact_changed', appId)).map((e) => e.details.changed)).toEqual([true, false]);
  });

  test('only an active human member of the same company: 422, nothing changed, audited as failed', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const appId = await insertApp(company.companyId, { contact: company.member.accountId });
    const gone = await company.addMember();
    await stack.sql`update accounts set status = 'deactivated', deactivated_at = now() where id = ${gone.accountId}`;
    const svc = await company.serviceAccount(['apps:read']);
    const cases: [string, string][] = [
      [other.member.accountId, 'app.technical_contact_not_member'],
      [randomUUID(), 'app.technical_contact_not_member'],
      [gone.accountId, 'app.technical_contact_deactivated'],
      [svc.accountId, 'app.technical_contact_service_account'],
    ];
    for (const [accountId, code] of cases) {
      expectError(await call('PUT', contactPath(appId), { headers: company.admin.headers, body: { accountId } }), 422, code);
    }
    expect(await contactOf(appId)).toBe(company.member.accountId);
    expect((await audit('app.technical_contact_changed', appId)).map((e) => [e.outcome, e.details.code])).toEqual(cases.map(([, code]) => ['failed', code]));
  });

  test('boundaries: another company\'s app 404, a member 403, a service account without apps:write 403, a bad body 400', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const appId = await insertApp(company.companyId);
    const body = { accountId: company.member.accountId };
    expectError(await call('PUT', contactPath(appId), { headers: other.admin.headers, body: { accountId: other.member.accountId } }), 404, 'app.not_found');
    expectError(await call('PUT', contactPath(appId), { headers: company.member.headers, body }), 403, 'company.admin_required');
    expectError(await call('PUT', contactPath(appId), { headers: (await company.serviceAccount(['apps:read'])).headers, body }), 403, 'auth.insufficient_scope');
    expectError(await call('PUT', contactPath(appId), { headers: company.admin.headers, body: { accountId: 'x' } }), 400, 'request.invalid');
    expectError(await call('PUT', contactPath(appId), { body }), 401, 'auth.unauthenticated');
    expect(await contactOf(appId)).toBeNull();
    // The refusals of callers with a company are on record, each in the caller's own company's log.
    expect((await audit('app.technical_contact_changed', appId)).map((e) => [e.outcome, e.companyId])).toEqual([
      ['failed', other.companyId], ['denied', company.companyId],
    ]);
  });
});

describe('GET /v1/companies/{id}/reports/backup-access', () => {
  let company: TestCompany;
  let apps: { main: string; nobody: string; formula: string };
  let backupMember: Awaited<ReturnType<TestCompany['addMember']>>;
  beforeAll(async () => {
    company = await createCompany(stack, 'Audited Co');
    backupMember = await company.addMember();
    const plain = await company.addMember();
    apps = {
      main: await insertApp(company.companyId, { name: 'Billing', contact: company.member.accountId, licensed: true }),
      nobody: await insertApp(company.companyId, { name: 'Orphan' }),
      formula: await insertApp(company.companyId, { name: '=HYPERLINK("http://evil.test","Click")', contact: backupMember.accountId }),
    };
    await addAppMember(apps.main, company.member.accountId, { backups: true });
    await addAppMember(apps.main, backupMember.accountId, { backups: true });
    await addAppMember(apps.main, plain.accountId, { backups: false });
    await stack.sql`update accounts set status = 'deactivated' where id = ${backupMember.accountId}`;
    // Another company's app never shows.
    const other = await createCompany(stack);
    await insertApp(other.companyId, { name: 'Theirs', contact: other.member.accountId });
  });

  test('JSON: every app, everyone who can reach its backups and why, deactivated ones too; generatedAt; audited', async () => {
    const before = Date.now();
    const r = await call('GET', reportPath(company.companyId), { headers: company.admin.headers });
    expect(r.status).toBe(200);
    const person = async (c: { accountId: string; email: string }, status: string, technicalContact: boolean, backupPermission: boolean) =>
      ({ accountId: c.accountId, email: c.email, name: await displayName(c.accountId), status, technicalContact, backupPermission });
    // By name, in the database's collation (which may or may not sort punctuation first).
    const order = (await stack.sql<{ id: string }[]>`select id from apps where company_id = ${company.companyId} order by name, id`).map((x) => x.id);
    expect(r.body).toEqual({
      companyId: company.companyId,
      generatedAt: expect.any(String),
      apps: [
        { appId: apps.formula, appName: '=HYPERLINK("http://evil.test","Click")', licenseType: 'free', backupAccess: [await person(backupMember, 'deactivated', true, false)] },
        {
          appId: apps.main, appName: 'Billing', licenseType: 'licensed',
          backupAccess: [await person(company.member, 'active', true, true), await person(backupMember, 'deactivated', false, true)]
            .sort((a, b) => a.email.localeCompare(b.email)),
        },
        { appId: apps.nobody, appName: 'Orphan', licenseType: 'free', backupAccess: [] },
      ].sort((x, y) => order.indexOf(x.appId) - order.indexOf(y.appId)),
    });
    expect(Date.parse(r.body.generatedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await audit('report.backup_access_exported', company.companyId)).toContainEqual(
      expect.objectContaining({ outcome: 'succeeded', actorAccountId: company.admin.accountId }),
    );
  });

  test('CSV (?format=csv or Accept: text/csv): a dated attachment, one line per app and person, formulas defused', async () => {
    const variants: { query: string; headers: Record<string, string> }[] = [{ query: '?format=csv', headers: {} }, { query: '', headers: { accept: 'text/csv' } }];
    for (const opts of variants) {
      const r = await call('GET', reportPath(company.companyId) + opts.query, { headers: { ...company.admin.headers, ...opts.headers } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(r.headers.get('content-disposition')).toBe(`attachment; filename="backup-access-${new Date().toISOString().slice(0, 10)}.csv"`);
      const rows = parseCsv(Buffer.from(r.body as string), { maxRows: 100 });
      expect(Object.keys(rows[0]!)).toEqual(['AppId', 'AppName', 'LicenseType', 'AccountId', 'Email', 'Name', 'AccountStatus', 'TechnicalContact', 'BackupPermission', 'GeneratedAt']);
      const billing = [[company.member, 'active', 'true', 'true'], [backupMember, 'deactivated', 'false', 'true']] as const;
      const byApp = (appName: string) => rows.filter((x) => x.AppName === appName).map((x) => [x.AccountId, x.AccountStatus, x.TechnicalContact, x.BackupPermission]);
      expect(byApp('\'=HYPERLINK("http://evil.test","Click")')).toEqual([[backupMember.accountId, 'deactivated', 'true', 'false']]);
      expect(byApp('Billing')).toEqual([...billing].sort((a, b) => a[0].email.localeCompare(b[0].email)).map(([c, ...rest]) => [c.accountId, ...rest]));
      expect(byApp('Orphan')).toEqual([['', '', '', '']]);
      expect(rows.map((x) => x.LicenseType)).toEqual(expect.arrayContaining(['licensed', 'free']));
      expect(rows).toHaveLength(4);
      expect(new Set(rows.map((x) => x.GeneratedAt)).size).toBe(1);
      expect(Date.parse(rows[0]!.GeneratedAt!)).not.toBeNaN();
      expect(r.body as string).not.toMatch(/(^|,)=HYPERLINK/m);
    }
  });

  test('boundaries: a member 403, another company\'s admin 404, a service account with apps:read only, no credential 401', async () => {
    const other = await createCompany(stack);
    expectError(await call('GET', reportPath(company.companyId), { headers: company.member.headers }), 403, 'company.admin_required');
    expectError(await call('GET', reportPath(company.companyId), { headers: other.admin.headers }), 404, 'company.not_found');
    expectError(await call('GET', reportPath(company.companyId) + '?format=csv', { headers: other.admin.headers }), 404, 'company.not_found');
    const reader = await company.serviceAccount(['apps:read']);
    expect((await call('GET', reportPath(company.companyId), { headers: reader.headers })).status).toBe(200);
    expectError(await call('GET', reportPath(company.companyId), { headers: (await company.serviceAccount(['apps:write'])).headers }), 403, 'auth.insufficient_scope');
    expectError(await call('GET', reportPath(company.companyId)), 401, 'auth.unauthenticated');
    expectError(await call('GET', reportPath(company.companyId) + '?format=xml', { headers: company.admin.headers }), 400, 'request.invalid');
    expect((await audit('report.backup_access_exported', company.companyId)).filter((e) => e.actorAccountId === company.member.accountId))
      .toEqual([expect.objectContaining({ outcome: 'denied' })]);
  });
});

describe('reassignTechnicalContact / deleteApps (what offboarding\'s activities call)', () => {
  test('reassigns every app of the leavers to the successor, who joins them; idempotent; refuses an ineligible successor', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const leaver = await company.addMember();
    const [a, b] = [await insertApp(company.companyId, { contact: leaver.accountId }), await insertApp(company.companyId, { contact: company.member.accountId })];
    const c = await insertApp(company.companyId, { contact: leaver.accountId });
    const theirs = await insertApp(other.companyId, { contact: other.member.accountId });
    const input = { companyId: company.companyId, fromAccountIds: [leaver.accountId, other.member.accountId], toAccountId: company.admin.accountId };

    await expect(stack.sql.begin((tx) => reassignTechnicalContact(tx, { ...input, toAccountId: other.admin.accountId })))
      .rejects.toMatchObject({ status: 422, code: 'app.technical_contact_not_member' });
    expect(await contactOf(a)).toBe(leaver.accountId);

    expect(await stack.sql.begin((tx) => reassignTechnicalContact(tx, input))).toEqual([a, c].sort());
    for (const id of [a, c]) {
      expect(await contactOf(id)).toBe(company.admin.accountId);
      expect(await membership(id, company.admin.accountId)).toBeDefined();
    }
    expect(await contactOf(b)).toBe(company.member.accountId);
    expect(await contactOf(theirs)).toBe(other.member.accountId);
    expect(await stack.sql.begin((tx) => reassignTechnicalContact(tx, input))).toEqual([]);
  });

  test('deletes the company\'s free apps among those named, skipping licensed, missing and other companies\' ones; idempotent', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const training = await insertApp(company.companyId, { name: 'Training 1', contact: company.member.accountId });
    await addAppMember(training, company.member.accountId, { backups: true });
    const licensed = await insertApp(company.companyId, { licensed: true });
    const theirs = await insertApp(other.companyId);
    const missing = randomUUID();
    const input = { companyId: company.companyId, appIds: [training, licensed, theirs, missing, training] };

    const first = await stack.sql.begin((tx) => deleteApps(tx, input));
    expect(first).toEqual({
      deleted: [training],
      skipped: expect.arrayContaining([{ appId: licensed, reason: 'licensed' }, { appId: theirs, reason: 'not_found' }, { appId: missing, reason: 'not_found' }]),
    });
    expect(first.skipped).toHaveLength(3);
    const [left] = await stack.sql<{ n: number }[]>`select count(*)::int as n from apps where id in (${training}, ${licensed}, ${theirs})`;
    expect(left!.n).toBe(2);
    expect(await membership(training, company.member.accountId)).toBeUndefined();
    const again = await stack.sql.begin((tx) => deleteApps(tx, input));
    expect(again.deleted).toEqual([]);
    expect(again.skipped).toContainEqual({ appId: training, reason: 'not_found' });
  });
});
