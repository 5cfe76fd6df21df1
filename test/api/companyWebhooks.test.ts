// Company webhooks over HTTP (README "Webhooks"): register, read, replace, remove; the secret shown once and
// stored sealed; SSRF refusals; the company boundary; the signed test ping and the delivery listing.
import { listAuditForSubject } from '../../db/queries/audit';
import { verifyWebhookSignature } from '../../lib/webhookSignature';
import { BUDGETS } from '../../libraries/budgets';
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver';

let receiver: WebhookReceiver;
const stack = suiteStack({ worker: false }, () => receiver.close());
const { call } = checkedHttp(stack);

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});

const hook = (companyId: string, rest = '') => `/v1/companies/${companyId}/webhook${rest}`;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
const UUID = expect.stringMatching(/^[0-9a-f-]{36}$/);

describe('registering, reading, replacing and removing', () => {
  let c: TestCompany;
  beforeAll(async () => {
    c = await createCompany(stack);
  });

  test('201 with a generated secret shown once; GET never shows it; the row holds it sealed, not in clear', async () => {
    const r = await call('PUT', hook(c.companyId), { headers: c.admin.headers, body: { url: receiver.url } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ companyId: c.companyId, url: receiver.url, createdAt: ISO, updatedAt: ISO, secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/) });
    const secret: string = r.body.secret;

    const read = await call('GET', hook(c.companyId), { headers: c.admin.headers });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ companyId: c.companyId, url: receiver.url, createdAt: r.body.createdAt, updatedAt: r.body.updatedAt });

    const [row] = await stack.sql<{ asText: string; secretSealed: Buffer }[]>`select w::text as as_text, secret_sealed from company_webhooks w where company_id = ${c.companyId}`;
    expect(row!.asText).not.toContain(secret);
    expect(row!.secretSealed.toString('latin1')).not.toContain(secret.slice(6, 20));
  });

  test('a PUT again replaces it (200); a secret given is used and not echoed', async () => {
    const r = await call('PUT', hook(c.companyId), { headers: c.admin.headers, body: { url: `${receiver.url}?v=2`, secret: 'my-own-signing-secret-0123456789' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ companyId: c.companyId, url: `${receiver.url}?v=2`, createdAt: ISO, updatedAt: ISO });
    expect(JSON.stringify(r.body)).not.toContain('my-own-signing-secret');
  });

  test('DELETE 204, then GET and DELETE 404 webhook.not_found; every action audited with ids only', async () => {
    expect((await call('DELETE', hook(c.companyId), { headers: c.admin.headers })).status).toBe(204);
    expectError(await call('GET', hook(c.companyId), { headers: c.admin.headers }), 404, 'webhook.not_found');
    expectError(await call('DELETE', hook(c.companyId), { headers: c.admin.headers }), 404, 'webhook.not_found');
    expectError(await call('POST', hook(c.companyId, '/test'), { headers: c.admin.headers }), 404, 'webhook.not_found');

    const audit = await listAuditForSubject(stack.sql, 'webhook', c.companyId);
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([
      ['webhook.registered', 'succeeded'], ['webhook.read', 'succeeded'], ['webhook.registered', 'succeeded'],
      ['webhook.deleted', 'succeeded'], ['webhook.read', 'failed'], ['webhook.deleted', 'failed'], ['webhook.tested', 'failed'],
    ]);
    expect(audit[0]!.details).toEqual({ created: true, secretGenerated: true });
    expect(audit[2]!.details).toEqual({ created: false, secretGenerated: false });
    expect(JSON.stringify(audit)).not.toMatch(/127\.0\.0\.1|whsec_|my-own-signing/);
  });

  test('a secret too short or with spaces, an unknown field, a missing url: 400', async () => {
    for (const body of [{ url: receiver.url, secret: 'short' }, { url: receiver.url, secret: 'has spaces in it 0123456789abc' }, { url: receiver.url, extra: 1 }, {}]) {
      expectError(await call('PUT', hook(c.companyId), { headers: c.admin.headers, body }), 400, 'request.invalid');
    }
  });
});

describe('SSRF: where a webhook may not point', () => {
  test.each([
    'http://hr.example.com/hook', 'https://10.0.0.5/hook', 'https://169.254.169.254/latest/meta-data', 'https://192.168.1.10/hook',
    'https://[::ffff:10.0.0.1]/hook', 'https://[fd00::1]/hook', 'https://intranet/hook', 'https://metadata.google.internal/x',
    'https://user:pw@hr.example.com/hook', 'https://0.0.0.0/hook', 'no url at all', 'https://[::ffff:8.8.8.8]/hook', 'https://[64:ff9b::8.8.8.8]/hook',
    // 2048 characters as sent, longer once normalised (each é is %C3%A9): the stored href is what counts.
    `https://hr.example.com/${'é'.repeat(2024)}`,
  ])('%s is 422 webhook.url_not_allowed, and nothing is stored', async (url) => {
    const c = await createCompany(stack);
    const r = await call('PUT', hook(c.companyId), { headers: c.admin.headers, body: { url } });
    expectError(r, 422, 'webhook.url_not_allowed');
    expect(r.body.details).toEqual([{ path: 'url', message: expect.any(String) }]);
    expectError(await call('GET', hook(c.companyId), { headers: c.admin.headers }), 404, 'webhook.not_found');
  });
});

describe('who may', () => {
  let c: TestCompany;
  let other: TestCompany;
  beforeAll(async () => {
    [c, other] = [await createCompany(stack), await createCompany(stack)];
    await call('PUT', hook(c.companyId), { headers: c.admin.headers, body: { url: receiver.url } });
  });

  const ROUTES: [string, string, unknown?][] = [
    ['PUT', '', { url: 'https://hr.example.com/hook' }], ['GET', ''], ['DELETE', ''], ['POST', '/test'], ['GET', '/deliveries'],
  ];

  test('an ordinary member: 403 company.admin_required on every route, audited as denied', async () => {
    for (const [method, rest, body] of ROUTES) {
      expectError(await call(method, hook(c.companyId, rest), { headers: c.member.headers, body }), 403, 'company.admin_required');
    }
    const denied = (await listAuditForSubject(stack.sql, 'webhook', c.companyId)).filter((a) => a.actorAccountId === c.member.accountId);
    expect(denied.map((a) => a.outcome)).toEqual(['denied', 'denied', 'denied', 'denied', 'denied']);
  });

  test('another company\'s admin: 404 company.not_found on every route, and the webhook is untouched', async () => {
    for (const [method, rest, body] of ROUTES) {
      expectError(await call(method, hook(c.companyId, rest), { headers: other.admin.headers, body }), 404, 'company.not_found');
    }
    expect(receiver.received.length).toBe(0);
    expect((await call('GET', hook(c.companyId), { headers: c.admin.headers })).body.url).toBe(receiver.url);
  });

  test('a service account: company-users:write registers and removes, company-users:read reads only', async () => {
    const writer = await c.serviceAccount(['company-users:write']);
    const reader = await c.serviceAccount(['company-users:read']);
    const put = await call('PUT', hook(c.companyId), { headers: writer.headers, body: { url: receiver.url } });
    expect(put.status).toBe(200);
    expect(put.body.secret).toEqual(expect.stringMatching(/^whsec_/));
    expect((await call('GET', hook(c.companyId), { headers: reader.headers })).status).toBe(200);
    expect((await call('GET', hook(c.companyId, '/deliveries'), { headers: reader.headers })).status).toBe(200);
    expectError(await call('PUT', hook(c.companyId), { headers: reader.headers, body: { url: receiver.url } }), 403, 'auth.insufficient_scope');
    expectError(await call('DELETE', hook(c.companyId), { headers: reader.headers }), 403, 'auth.insufficient_scope');
    expectError(await call('POST', hook(c.companyId, '/test'), { headers: reader.headers }), 403, 'auth.insufficient_scope');
    expectError(await call('GET', hook(c.companyId), { headers: writer.headers }), 403, 'auth.insufficient_scope');
    expect((await call('DELETE', hook(c.companyId), { headers: writer.headers })).status).toBe(204);
  });
});

describe('the test ping and the delivery listing', () => {
  let c: TestCompany;
  let secret: string;
  beforeAll(async () => {
    c = await createCompany(stack);
    secret = (await call('PUT', hook(c.companyId), { headers: c.admin.headers, body: { url: receiver.url } })).body.secret;
  });

  test('a signed ping the receiver can verify with the secret it was given', async () => {
    const before = receiver.received.length;
    const r = await call('POST', hook(c.companyId, '/test'), { headers: c.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ eventId: UUID, delivered: true, statusCode: 200, error: null, durationMs: expect.any(Number) });

    expect(receiver.received.length).toBe(before + 1);
    const got = receiver.received.at(-1)!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['custodian-event-id']).toBe(r.body.eventId);
    expect(got.headers['custodian-event-type']).toBe('ping');
    expect(verifyWebhookSignature(secret, got.headers['custodian-signature'] as string, got.body, 300)).toBe(true);
    expect(verifyWebhookSignature('whsec_some-other-secret-0123456789', got.headers['custodian-signature'] as string, got.body, 300)).toBe(false);
    expect(JSON.parse(got.body)).toEqual({ id: r.body.eventId, type: 'ping', createdAt: ISO, companyId: c.companyId, data: {} });
  });

  test('a receiver\'s 500 or redirect is reported (200, delivered false), never followed', async () => {
    receiver.answer(500, 302);
    const failed = await call('POST', hook(c.companyId, '/test'), { headers: c.admin.headers });
    expect(failed.body).toEqual(expect.objectContaining({ delivered: false, statusCode: 500, error: null }));
    const before = receiver.received.length;
    const redirected = await call('POST', hook(c.companyId, '/test'), { headers: c.admin.headers });
    expect(redirected.body).toEqual(expect.objectContaining({ delivered: false, statusCode: 302, error: null }));
    // The redirect pointed back at the receiver: following it would have shown up as a second request.
    expect(receiver.received.slice(before).map((r) => r.path)).toEqual(['/hooks/custodian']);
  });

  test('deliveries newest first, paged by cursor, filterable by event; a bad cursor is 400', async () => {
    const all = await call('GET', hook(c.companyId, '/deliveries'), { headers: c.admin.headers });
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: { statusCode: number; succeeded: boolean }) => [d.statusCode, d.succeeded])).toEqual([[302, false], [500, false], [200, true]]);
    expect(all.body.items[0]).toEqual({
      id: UUID, eventId: UUID, type: 'ping', attempt: 1, statusCode: 302, error: null, succeeded: false, durationMs: expect.any(Number), attemptedAt: ISO,
    });
    expect(all.body.nextCursor).toBeNull();

    const first = await call('GET', hook(c.companyId, '/deliveries?limit=2'), { headers: c.admin.headers });
    expect(first.body.items).toEqual(all.body.items.slice(0, 2));
    const second = await call('GET', hook(c.companyId, `/deliveries?limit=2&cursor=${first.body.nextCursor}`), { headers: c.admin.headers });
    expect(second.body).toEqual({ items: all.body.items.slice(2), nextCursor: null });

    const one = await call('GET', hook(c.companyId, `/deliveries?eventId=${all.body.items[1].eventId}`), { headers: c.admin.headers });
    expect(one.body.items).toEqual([all.body.items[1]]);

    expectError(await call('GET', hook(c.companyId, '/deliveries?cursor=bm9wZQ'), { headers: c.admin.headers }), 400, 'request.invalid_cursor');
    const uuid = all.body.items[0].id as string;
    for (const keys of [
      ['yesterday', 'x'], ['2024-13-45 99:99:99+00', uuid], ['2023-02-29 10:00:00+00', uuid], ['0000-01-01 00:00:00+00', uuid],
      ['2024-01-01 00:00:00+00', 'not-a-uuid'], ['2024-01-01 00:00:00+00', 7], ['2024-01-01 00:00:00+00\u0000', uuid],
    ]) {
      const forged = Buffer.from(JSON.stringify(keys)).toString('base64url');
      expectError(await call('GET', hook(c.companyId, `/deliveries?cursor=${forged}`), { headers: c.admin.headers }), 400, 'request.invalid_cursor');
    }
    // A well-formed key of the right types is a page, even if no listing gave it out.
    const made = Buffer.from(JSON.stringify(['2024-02-29 23:59:59.123456+05:30', uuid])).toString('base64url');
    expect((await call('GET', hook(c.companyId, `/deliveries?cursor=${made}`), { headers: c.admin.headers })).body).toEqual({ items: [], nextCursor: null });
  });

  test(`at most ${BUDGETS.webhookTestsPerCompany.limit} test pings per company an hour, then 429 with Retry-After; other companies are not held to it`, async () => {
    const busy = await createCompany(stack);
    await call('PUT', hook(busy.companyId), { headers: busy.admin.headers, body: { url: receiver.url } });
    const before = receiver.received.length;
    for (let i = 0; i < BUDGETS.webhookTestsPerCompany.limit; i++) {
      expect((await call('POST', hook(busy.companyId, '/test'), { headers: busy.admin.headers })).status).toBe(200);
    }
    const refused = await call('POST', hook(busy.companyId, '/test'), { headers: busy.admin.headers });
    expectError(refused, 429, 'webhook.too_many_tests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    // The refused ping reached nobody.
    expect(receiver.received.length).toBe(before + BUDGETS.webhookTestsPerCompany.limit);
    expect((await listAuditForSubject(stack.sql, 'webhook', busy.companyId)).at(-1)).toMatchObject({ action: 'webhook.tested', outcome: 'failed' });
    expect((await call('POST', hook(c.companyId, '/test'), { headers: c.admin.headers })).status).toBe(200);
  });

  test('the history stays listable after the webhook is removed; another company sees none of it', async () => {
    await call('DELETE', hook(c.companyId), { headers: c.admin.headers });
    expect((await call('GET', hook(c.companyId, '/deliveries'), { headers: c.admin.headers })).body.items).toHaveLength(4);
    const other = await createCompany(stack);
    expect((await call('GET', hook(other.companyId, '/deliveries'), { headers: other.admin.headers })).body).toEqual({ items: [], nextCursor: null });
  });
});
