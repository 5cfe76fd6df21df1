// Onboarding company members over HTTP (README "Onboarding"): a member created with a picture, the invitation
// email, acceptance under the password policy and the code's budget, signing in afterwards, resending, revoking,
// listing, and who may do what. Bulk imports: memberOnboardingImports.test.ts; expiry: memberOnboardingExpiry.test.ts.
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { listAuditForSubject } from '../../db/queries/audit';
import * as invitationQueries from '../../db/queries/memberInvitations';
import * as passwords from '../../lib/passwords';
import { BUDGETS } from '../../libraries/budgets';
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError, expectErrorShape } from '../helpers/http';
import { MEMBER_PASSWORD, newEmail, onboardingApi, pngImage } from '../helpers/memberOnboarding';
import { suiteStack } from '../helpers/suiteStack';
import { sleep } from '../helpers/waiting';

// Resends at most once a second here (INVITATION_RESEND_INTERVAL_SECONDS), so the test need not wait a minute.
const stack = suiteStack({ env: { INVITATION_RESEND_INTERVAL_SECONDS: '1' } });
const { call } = checkedHttp(stack);
const api = onboardingApi(stack, call);
const UUID = /^[0-9a-f-]{36}$/;
const DAY_MS = 86_400_000;

let acme: TestCompany;
let other: TestCompany;
beforeAll(async () => {
  acme = await createCompany(stack, 'Acme');
  other = await createCompany(stack, 'Other Corp');
});

const create = (body: Record<string, unknown>, headers = acme.admin.headers, companyId = acme.companyId) => api.create(companyId, headers, body);
const pointsOf = async (key: string) =>
  (await stack.sql<{ points: number }[]>`select points from rate_limits where key = ${key}`)[0]?.points ?? 0;
const accountRow = async (id: string) =>
  (await stack.sql<{ status: string; passwordHash: string | null }[]>`select status, password_hash from accounts where id = ${id}`)[0];

describe('creating a member', () => {
  test('201 with the member (invited, picture re-encoded) and the invitation; Location; the email has the code; audited', async () => {
    const email = newEmail('grace');
    const picture = (await pngImage(300, 200)).toString('base64');
    const before = Date.now();
    const r = await create({ email, name: 'Grace Hopper', jobTitle: 'Rear Admiral', country: 'US', picture });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      member: {
        accountId: expect.stringMatching(UUID), profileId: expect.stringMatching(UUID), email, name: 'Grace Hopper', jobTitle: 'Rear Admiral',
        country: { code: 'US', name: 'United States' }, avatarUrl: expect.stringMatching(/^\/v1\/profiles\/[0-9a-f-]{36}\/avatar\?v=[0-9a-f]{32}$/),
        status: 'invited',
      },
      invitation: { id: expect.stringMatching(UUID), status: 'pending', expiresAt: expect.any(String) },
    });
    const { member, invitation } = r.body;
    expect(r.headers.get('location')).toBe(`/v1/companies/${acme.companyId}/invitations/${invitation.id}`);
    expect(Date.parse(invitation.expiresAt) - before).toBeGreaterThanOrEqual(7 * DAY_MS - 1_000);
    expect(Date.parse(invitation.expiresAt) - before).toBeLessThanOrEqual(7 * DAY_MS + 60_000);

    // The stored picture is the profile avatar's: a 256×256 WebP.
    const [avatar] = await stack.sql<{ content: Buffer }[]>`select content from profile_avatars where profile_id = ${member.profileId}`;
    expect(await sharp(avatar!.content).metadata()).toMatchObject({ format: 'webp', width: 256, height: 256 });
    expect(await accountRow(member.accountId)).toEqual({ status: 'invited', passwordHash: null });

    const code = await api.code(email);
    const mail = api.invitationMails(email)[0]!;
    expect(mail.raw).toContain(`POST /v1/invitations/${invitation.id}/acceptance`);
    expect(mail.raw).toContain('7 days');
    expect(code).toMatch(/^\d{6}$/);
    // Only hashes are stored: the code is in no column.
    const [dump] = await stack.sql<{ text: string }[]>`select string_agg(i::text, ' ') as text from member_invitations i`;
    expect(dump!.text).not.toContain(code);

    const audit = await listAuditForSubject(stack.sql, 'account', member.accountId);
    expect(audit).toEqual([expect.objectContaining({
      action: 'member.created', actorAccountId: acme.admin.accountId, outcome: 'succeeded',
      details: { profileId: member.profileId, invitationId: invitation.id, picture: true },
    })]);
  });

  test('the invited account cannot sign in before it accepts', async () => {
    const email = newEmail();
    expect((await create({ email, name: 'Not Yet' })).status).toBe(201);
    expectError(await call('POST', '/v1/sessions', { body: { email, password: MEMBER_PASSWORD } }), 401, 'auth.invalid_credentials');
  });

  test('an address that has an account, in any company and in any case, is 409 member.exists; nothing is written', async () => {
    const taken = other.member.email.toUpperCase();
    const r = await create({ email: taken, name: 'Someone' });
    expectError(r, 409, 'member.exists');
    expect(r.body.error).not.toMatch(/Other Corp/);
    const [n] = await stack.sql<{ n: number }[]>`select count(*)::int as n from accounts where lower(email) = lower(${taken})`;
    expect(n!.n).toBe(1);
  });

  test(`an account outside the company: ${BUDGETS.memberConflictsPerCompany.limit} such answers a day, each audited; then 429 for every address outside it`, async () => {
    const probe = await createCompany(stack, 'Probe');
    const limit = BUDGETS.memberConflictsPerCompany.limit;
    const createIn = (email: string) => create({ email, name: 'Probe' }, probe.admin.headers, probe.companyId);
    // The company's own accounts are its own business: answered, never counted.
    expectError(await createIn(probe.member.email), 409, 'member.exists');
    for (let i = 0; i < limit; i++) expectError(await createIn(i % 2 ? other.member.email : acme.member.email), 409, 'member.exists');
    // Past the budget, an address with an account elsewhere and one with none get the same answer.
    for (const email of [other.member.email, newEmail('unknown')]) {
      const r = await createIn(email);
      expectError(r, 429, 'member.too_many_conflicts');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expectError(await createIn(probe.member.email.toUpperCase()), 409, 'member.exists');
    const hits = (await listAuditForSubject(stack.sql, 'account', other.member.accountId))
      .filter((e) => e.action === 'member.create_conflict' && e.actorAccountId === probe.admin.accountId);
    expect(hits).toHaveLength(limit / 2);
    expect(hits[0]).toMatchObject({ outcome: 'failed', details: { code: 'member.exists' } });
    expect(await listAuditForSubject(stack.sql, 'account', probe.member.accountId)).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'member.create_conflict' })]));
    // Other companies are not held to it.
    expect((await create({ email: newEmail(), name: 'Unaffected' })).status).toBe(201);
  });

  test.each([
    ['no name', { email: 'x@onboarding.custodian.test' }, 'body.name'],
    ['a bad email', { email: 'not-an-email', name: 'X' }, 'body.email'],
    ['an unknown country', { email: 'x@onboarding.custodian.test', name: 'X', country: 'XX' }, 'body.country'],
    ['an unknown field', { email: 'x@onboarding.custodian.test', name: 'X', role: 'admin' }, 'body'],
    ['a picture that is not base64', { email: 'x@onboarding.custodian.test', name: 'X', picture: 'not base64!' }, 'body.picture'],
  ])('%s: 400 request.invalid', async (_name, body, path) => {
    const r = await create(body);
    expectError(r, 400, 'request.invalid');
    expect(r.body.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  test('a picture that is not an image: 415, and nothing is created', async () => {
    const email = newEmail();
    expectError(await create({ email, name: 'X', picture: Buffer.from('<svg></svg>').toString('base64') }), 415, 'avatar.unsupported_type');
    expect(await stack.sql`select 1 from accounts where email = ${email}`).toHaveLength(0);
  });

  test('PUT …/members/{memberId}/avatar sets an invited member\'s picture (raw upload); a GIF is 415', async () => {
    const created = await create({ email: newEmail(), name: 'Pictureless' });
    const path = `/v1/companies/${acme.companyId}/members/${created.body.member.accountId}/avatar`;
    const r = await api.upload(path, acme.admin.headers, 'image/png', await pngImage());
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accountId: created.body.member.accountId, avatarUrl: expect.stringMatching(/avatar\?v=/), status: 'invited' });
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).gif().toBuffer();
    const refused = await api.upload(path, acme.admin.headers, 'image/png', gif);
    expectErrorShape(refused, 'gif');
    expectError(refused, 415, 'avatar.unsupported_type');
    // Another company's member, or an unknown id: 404.
    expectError(await api.upload(`/v1/companies/${acme.companyId}/members/${other.member.accountId}/avatar`, acme.admin.headers, 'image/png', await pngImage()), 404, 'member.not_found');
  });
});

describe('accepting an invitation', () => {
  test('the policy first (nothing spent), then the code; accepted once, then signing in works', async () => {
    const email = newEmail('ada');
    const { body } = await create({ email, name: 'Ada' });
    const id = body.invitation.id;
    const code = await api.code(email);

    const weak = await api.accept(id, code, 'short');
    expectError(weak, 422, 'password.policy_violation');
    expect(weak.body.rules).toEqual(expect.arrayContaining(['password.too_short']));
    const wrong = await api.accept(id, code === '000000' ? '000001' : '000000');
    expectError(wrong, 422, 'verification_code.invalid');
    expect(wrong.body.attemptsLeft).toBe(4); // the weak password spent nothing

    const ok = await api.accept(id, code);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ invitationId: id, accountId: body.member.accountId, status: 'accepted' });
    expect(await accountRow(body.member.accountId)).toEqual({ status: 'active', passwordHash: expect.stringMatching(/^\$argon2id\$/) });
    expect(await stack.signIn(email, MEMBER_PASSWORD)).toEqual(expect.any(String));

    // The same request again answers the same; the invitation cannot be used otherwise.
    expect((await api.accept(id, code)).status).toBe(200);
    expectError(await api.accept(id, '123456', 'Another-Password-77!'), 409, 'invitation.closed');
    expect((await api.invitation(acme.companyId, acme.admin.headers, id)).body).toMatchObject({ status: 'accepted', closedAt: expect.any(String) });
    expect((await listAuditForSubject(stack.sql, 'invitation', id)).map((e) => e.action)).toContain('invitation.accepted');
    // No waiting password hash is left.
    expect(await stack.sql`select 1 from password_reset_passwords where run_id = ${`member-invitation/${id}`}`).toHaveLength(0);
  });

  test('revoked while its password is hashed: 409 invitation.closed (not a 500), no hash left', async () => {
    const email = newEmail();
    const { body } = await create({ email, name: 'Too Late' });
    const id = body.invitation.id;
    const code = await api.code(email);
    const hash = passwords.hashPassword;
    // The run closes (and removes the unused account) between the checks and the hash's row: its foreign key fails.
    const slow = jest.spyOn(passwords, 'hashPassword').mockImplementationOnce(async (password) => {
      expect((await api.invitation(acme.companyId, acme.admin.headers, id, 'DELETE')).status).toBe(200);
      return hash(password);
    });
    try {
      expectError(await api.accept(id, code), 409, 'invitation.closed');
      expect(slow).toHaveBeenCalledTimes(1);
    } finally {
      slow.mockRestore();
    }
    expect(await accountRow(body.member.accountId)).toBeUndefined();
    // The hash was made: its point stays spent, since the budget bounds argon2's work.
    expect(await pointsOf(`passwordCodesPerFlow:invitation:${id}`)).toBe(1);
    expect(await stack.sql`select 1 from password_reset_passwords where run_id = ${`member-invitation/${id}`}`).toHaveLength(0);
  });

  test('before its first code is issued: 409 invitation.not_ready with Retry-After, nothing hashed or spent; then it works', async () => {
    // The run's first activity waits for the invitation's row: while it sees none, no code is issued.
    const held = jest.spyOn(invitationQueries, 'invitationExists').mockResolvedValue(false);
    const hashes = jest.spyOn(passwords, 'hashPassword');
    const email = newEmail();
    try {
      const { body } = await create({ email, name: 'Early Bird' });
      const id = body.invitation.id;
      const early = await api.accept(id, '123456');
      expectError(early, 409, 'invitation.not_ready');
      expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(hashes).not.toHaveBeenCalled();
      expect(await pointsOf(`passwordCodesPerFlow:invitation:${id}`)).toBe(0);
      held.mockRestore();
      expect((await api.accept(id, await api.code(email))).status).toBe(200);
    } finally {
      held.mockRestore();
      hashes.mockRestore();
    }
  });

  test('an unknown invitation is 404', async () => {
    expectError(await api.accept(randomUUID(), '123456'), 404, 'invitation.not_found');
  });
});

describe('resending and revoking', () => {
  test('a resend emails a new code (the old one stops working) and moves the expiry; at most once per interval', async () => {
    const email = newEmail();
    const { body } = await create({ email, name: 'Resent' });
    const id = body.invitation.id;
    const first = await api.code(email);
    await sleep(1_100);
    const r = await api.invitation(acme.companyId, acme.admin.headers, id, 'POST', '/resend');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, status: 'pending', resendsLeft: 4 });
    expect(Date.parse(r.body.expiresAt)).toBeGreaterThanOrEqual(Date.parse(body.invitation.expiresAt));
    const second = await api.code(email, 2);
    const again = await api.invitation(acme.companyId, acme.admin.headers, id, 'POST', '/resend');
    expectError(again, 429, 'verification_code.resend_too_soon');
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    if (first !== second) expectError(await api.accept(id, first), 422, 'verification_code.invalid');
    expect((await api.accept(id, second)).status).toBe(200);
    expect((await listAuditForSubject(stack.sql, 'invitation', id)).map((e) => `${e.action}:${e.outcome}`))
      .toEqual(expect.arrayContaining(['invitation.resent:succeeded', 'invitation.resent:failed', 'invitation.accepted:succeeded']));
  });

  test('revoking removes the unused account, so the address is free again; its code is refused', async () => {
    const email = newEmail();
    const { body } = await create({ email, name: 'Revoked', picture: (await pngImage()).toString('base64') });
    const id = body.invitation.id;
    const code = await api.code(email);
    const r = await api.invitation(acme.companyId, acme.admin.headers, id, 'DELETE');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, status: 'revoked', accountId: null, email: null, closedAt: expect.any(String) });
    expect(await accountRow(body.member.accountId)).toBeUndefined();
    expect(await stack.sql`select 1 from profiles where id = ${body.member.profileId}`).toHaveLength(0);
    expectError(await api.accept(id, code), 409, 'invitation.closed');
    expect((await api.invitation(acme.companyId, acme.admin.headers, id, 'DELETE')).body).toMatchObject({ status: 'revoked' });
    expectError(await api.invitation(acme.companyId, acme.admin.headers, id, 'POST', '/resend'), 409, 'invitation.closed');
    expect((await create({ email, name: 'Invited again' })).status).toBe(201);
    expect((await listAuditForSubject(stack.sql, 'invitation', id))[0]).toMatchObject({
      action: 'invitation.revoked', outcome: 'succeeded', details: { accountId: body.member.accountId, memberRemoved: true, repeated: false },
    });
  });

  test('listing: newest first, by status, by cursor', async () => {
    await create({ email: newEmail(), name: 'Listed first' });
    const pending = await create({ email: newEmail(), name: 'Listed' });
    const list = await call('GET', `/v1/companies/${acme.companyId}/invitations?status=pending&limit=1`, { headers: acme.admin.headers });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ id: pending.body.invitation.id, status: 'pending' })]);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const next = await call('GET', `/v1/companies/${acme.companyId}/invitations?status=pending&limit=1&cursor=${list.body.nextCursor}`, { headers: acme.admin.headers });
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0].id).not.toBe(pending.body.invitation.id);
    const revoked = await call('GET', `/v1/companies/${acme.companyId}/invitations?status=revoked`, { headers: acme.admin.headers });
    expect(revoked.body.items.every((i: { status: string }) => i.status === 'revoked')).toBe(true);
    expectError(await call('GET', `/v1/companies/${acme.companyId}/invitations?cursor=bogus`, { headers: acme.admin.headers }), 400, 'request.invalid_cursor');
    // Hand-made keys the query's ::timestamptz and ::uuid would refuse (a 500 once): each is a 400.
    const id = pending.body.invitation.id as string;
    for (const keys of [['not a time', id], ['2026-02-30 10:00:00+00', id], ['2026-01-01 10:00:00+00', 'not-a-uuid'], ['2026-01-01 25:00:00+00', id], [1, id]]) {
      const forged = Buffer.from(JSON.stringify(keys)).toString('base64url');
      expectError(await call('GET', `/v1/companies/${acme.companyId}/invitations?cursor=${forged}`, { headers: acme.admin.headers }), 400, 'request.invalid_cursor');
    }
  });
});

describe('who may onboard', () => {
  test('a member is 403, another company\'s admin 404, for every operation', async () => {
    const { body } = await create({ email: newEmail(), name: 'Boundary' });
    const id = body.invitation.id;
    const body2 = { email: newEmail(), name: 'Nope' };
    expectError(await create(body2, acme.member.headers), 403, 'company.admin_required');
    expectError(await create(body2, other.admin.headers), 404, 'company.not_found');
    for (const [method, suffix] of [['GET', ''], ['POST', '/resend'], ['DELETE', '']] as const) {
      expectError(await api.invitation(acme.companyId, acme.member.headers, id, method, suffix), 403, 'company.admin_required');
      expectError(await api.invitation(acme.companyId, other.admin.headers, id, method, suffix), 404, 'company.not_found');
      // Asked through its own company, the other admin does not find acme's invitation either.
      expectError(await api.invitation(other.companyId, other.admin.headers, id, method, suffix), 404, 'invitation.not_found');
    }
    expectError(await call('GET', `/v1/companies/${acme.companyId}/invitations`, { headers: other.admin.headers }), 404, 'company.not_found');
    expect(await stack.sql`select 1 from accounts where email = ${body2.email}`).toHaveLength(0);
  });

  test('a service account needs company-users:write to create, company-users:read to read', async () => {
    const writer = await acme.serviceAccount(['company-users:write']);
    const created = await create({ email: newEmail(), name: 'By HR sync' }, writer.headers);
    expect(created.status).toBe(201);
    const reader = await acme.serviceAccount(['company-users:read']);
    expectError(await create({ email: newEmail(), name: 'X' }, reader.headers), 403, 'auth.insufficient_scope');
    expectError(await api.invitation(acme.companyId, reader.headers, created.body.invitation.id, 'DELETE'), 403, 'auth.insufficient_scope');
    expect((await api.invitation(acme.companyId, reader.headers, created.body.invitation.id)).status).toBe(200);
    const audit = await listAuditForSubject(stack.sql, 'account', created.body.member.accountId);
    expect(audit[0]).toMatchObject({ action: 'member.created', actorAccountId: writer.accountId });
  });
});
