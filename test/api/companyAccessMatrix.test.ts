// Who may call the company API (issue 13 "Who may call it" → "Proof", and issue 14's endpoints): every operation
// under /v1/companies/{id}/… and /v1/apps/… (the older password policy aside), called with a valid request on the
// company's real objects by every kind of caller, each answer checked against the table below. The table must
// name every such operation of the OpenAPI document, with the scope the document requires of a token.
import type { Scope } from '../../libraries/scopes';
import { accessMatrixWorld, FUTURE, type AccessMatrixWorld } from '../helpers/accessMatrix';
import { expectErrorShape } from '../helpers/http';
import { newEmail, pngImage } from '../helpers/memberOnboarding';
import { suiteStack } from '../helpers/suiteStack';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver';

let receiver: WebhookReceiver;
// Resends are allowed once a second here, so fresh invitations can be resent within the suite.
const stack = suiteStack({ env: { INVITATION_RESEND_INTERVAL_SECONDS: '1' } }, () => receiver.close());
let w: AccessMatrixWorld;

interface Request { path: string; body?: unknown; raw?: { type: string; data: Buffer } }
interface Row {
  /** `method path`, as the OpenAPI document names the operation. */
  op: string;
  /** The scope the route declares; the document requires it of a personal access token. */
  scope: Scope;
  /** `false`: an admin's session or API key only, never a token (minting and revoking service accounts' credentials). */
  tokens?: false;
  /** The answer of an allowed call. */
  ok: number;
  /** The refusal of a service account holding the scope, when the operation is for a person only. */
  serviceAccountRefused?: string;
  /** The other company's answer, when the id in the path is not the company's. */
  elsewhere?: 'app.not_found';
  /** A valid request; `fresh` for an allowed call, which gets targets of its own when its effect would change the next answer. */
  request: (fresh: boolean) => Request | Promise<Request>;
}

const c = (rest = '') => `${w.base}${rest}`;
const member = (fresh: boolean) => (fresh ? w.freshMember() : w.standingMember);
const later = async () => {
  // A resend needs the interval (1 s) since the invitation's first code.
  const wait = w.firstCodesSentAt + 1_200 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
};

const ROWS: Row[] = [
  { op: 'get /v1/companies/{id}/members', scope: 'company-users:read', ok: 200, request: () => ({ path: c('/members?type=internal') }) },
  { op: 'get /v1/companies/{id}/members/lookup', scope: 'company-users:read', ok: 200, request: () => ({ path: c(`/members/lookup?email=${encodeURIComponent(w.acme.member.email)}`) }) },
  { op: 'get /v1/companies/{id}/members/{memberId}/apps', scope: 'apps:read', ok: 200, request: () => ({ path: c(`/members/${w.acme.member.accountId}/apps`) }) },
  {
    op: 'post /v1/companies/{id}/members/{memberId}/deactivation', scope: 'company-users:deactivate', ok: 200,
    request: (fresh) => ({ path: c(`/members/${member(fresh).accountId}/deactivation`) }),
  },
  {
    op: 'delete /v1/companies/{id}/members/{memberId}/deactivation', scope: 'company-users:deactivate', ok: 200,
    request: (fresh) => ({ path: c(`/members/${(fresh ? w.freshDeactivated() : w.standingMember).accountId}/deactivation`) }),
  },
  { op: 'get /v1/apps/{id}/technical-contact', scope: 'apps:read', ok: 200, elsewhere: 'app.not_found', request: () => ({ path: `/v1/apps/${w.appId}/technical-contact` }) },
  {
    op: 'put /v1/apps/{id}/technical-contact', scope: 'apps:write', ok: 200, elsewhere: 'app.not_found',
    request: (fresh) => ({ path: `/v1/apps/${w.appId}/technical-contact`, body: { accountId: member(fresh).accountId } }),
  },
  { op: 'get /v1/companies/{id}/reports/backup-access', scope: 'apps:read', ok: 200, request: () => ({ path: c('/reports/backup-access') }) },
  { op: 'get /v1/companies/{id}/audit-log', scope: 'audit:read', ok: 200, request: () => ({ path: c('/audit-log') }) },
  {
    op: 'post /v1/companies/{id}/service-accounts', scope: 'company-users:write', tokens: false, ok: 201,
    request: () => ({ path: c('/service-accounts'), body: { name: 'Workday sync', scopes: ['company-users:read'] } }),
  },
  {
    op: 'get /v1/companies/{id}/service-accounts', scope: 'company-users:read', ok: 200, serviceAccountRefused: 'service_account.not_permitted',
    request: () => ({ path: c('/service-accounts') }),
  },
  {
    op: 'post /v1/companies/{id}/service-accounts/{serviceAccountId}/tokens', scope: 'company-users:write', tokens: false, ok: 201,
    request: () => ({ path: c(`/service-accounts/${w.rotated.accountId}/tokens`), body: { name: 'Rotation', scopes: ['company-users:read'] } }),
  },
  {
    op: 'delete /v1/companies/{id}/service-accounts/{serviceAccountId}/tokens/{tokenId}', scope: 'company-users:write', tokens: false, ok: 204,
    request: async (fresh) => ({ path: c(`/service-accounts/${w.rotated.accountId}/tokens/${fresh ? await w.rotatedToken() : w.standingToken}`) }),
  },
  {
    op: 'delete /v1/companies/{id}/service-accounts/{serviceAccountId}', scope: 'company-users:write', tokens: false, ok: 200,
    request: async (fresh) => ({ path: c(`/service-accounts/${fresh ? await w.freshServiceAccount() : w.rotated.accountId}`) }),
  },
  {
    op: 'post /v1/companies/{id}/members', scope: 'company-users:write', ok: 201,
    request: () => ({ path: c('/members'), body: { email: newEmail('matrix'), name: 'Matrix new member' } }),
  },
  {
    op: 'put /v1/companies/{id}/members/{memberId}/avatar', scope: 'company-users:write', ok: 200,
    request: async () => ({ path: c(`/members/${w.invitation.accountId}/avatar`), raw: { type: 'image/png', data: await pngImage() } }),
  },
  {
    op: 'post /v1/companies/{id}/member-imports', scope: 'company-users:write', ok: 200,
    request: () => ({ path: c('/member-imports'), body: { members: [{ email: newEmail('import'), name: 'Matrix import' }] } }),
  },
  { op: 'get /v1/companies/{id}/invitations', scope: 'company-users:read', ok: 200, request: () => ({ path: c('/invitations') }) },
  { op: 'get /v1/companies/{id}/invitations/{invitationId}', scope: 'company-users:read', ok: 200, request: () => ({ path: c(`/invitations/${w.invitation.id}`) }) },
  {
    op: 'post /v1/companies/{id}/invitations/{invitationId}/resend', scope: 'company-users:write', ok: 200,
    request: async (fresh) => (fresh ? (await later(), { path: c(`/invitations/${w.freshInvitation.resend().id}/resend`) }) : { path: c(`/invitations/${w.invitation.id}/resend`) }),
  },
  {
    op: 'delete /v1/companies/{id}/invitations/{invitationId}', scope: 'company-users:write', ok: 200,
    request: (fresh) => ({ path: c(`/invitations/${(fresh ? w.freshInvitation.revoke() : w.invitation).id}`) }),
  },
  { op: 'put /v1/companies/{id}/webhook', scope: 'company-users:write', ok: 200, request: () => ({ path: c('/webhook'), body: { url: receiver.url } }) },
  { op: 'get /v1/companies/{id}/webhook', scope: 'company-users:read', ok: 200, request: () => ({ path: c('/webhook') }) },
  { op: 'post /v1/companies/{id}/webhook/test', scope: 'company-users:write', ok: 200, request: () => ({ path: c('/webhook/test') }) },
  { op: 'get /v1/companies/{id}/webhook/deliveries', scope: 'company-users:read', ok: 200, request: () => ({ path: c('/webhook/deliveries') }) },
  // Each allowed DELETE finds the webhook again (ensureWebhook, before every call).
  { op: 'delete /v1/companies/{id}/webhook', scope: 'company-users:write', ok: 204, request: () => ({ path: c('/webhook') }) },
  {
    op: 'post /v1/companies/{id}/offboardings', scope: 'offboarding:write', ok: 202,
    request: (fresh) => ({ path: c('/offboardings'), body: { email: member(fresh).email, successor: w.acme.member.email, effectiveAt: FUTURE } }),
  },
  { op: 'get /v1/companies/{id}/offboardings', scope: 'offboarding:read', ok: 200, request: () => ({ path: c('/offboardings') }) },
  { op: 'get /v1/companies/{id}/offboardings/{offboardingId}', scope: 'offboarding:read', ok: 200, request: () => ({ path: c(`/offboardings/${w.runs.standing}`) }) },
  {
    op: 'delete /v1/companies/{id}/offboardings/{offboardingId}', scope: 'offboarding:write', ok: 200,
    request: (fresh) => ({ path: c(`/offboardings/${fresh ? w.runs.cancel() : w.runs.standing}`) }),
  },
  {
    op: 'post /v1/companies/{id}/offboarding-batches', scope: 'offboarding:write', ok: 202,
    request: (fresh) => ({
      path: c(`/offboarding-batches?effectiveAt=${encodeURIComponent(FUTURE)}`), body: { people: [{ email: member(fresh).email, successor: w.acme.member.email }] },
    }),
  },
  { op: 'get /v1/companies/{id}/offboarding-batches/{batchId}', scope: 'offboarding:read', ok: 200, request: () => ({ path: c(`/offboarding-batches/${w.batchId}`) }) },
];

type Kind = 'unauthenticated' | 'member' | 'admin' | 'admin API key' | 'other company\'s admin' | 'token with the scope' | 'token with every other scope' | 'token with read scopes';
interface Answer { caller: Kind; status: number; code?: string }

const isWrite = (row: Row) => row.tokens === false || !row.scope.endsWith(':read');

/** What each kind of caller must be answered: the table's rule, spelled out once. */
function expected(row: Row, caller: Kind): Answer {
  const refused = (status: number, code: string): Answer => ({ caller, status, code });
  switch (caller) {
    case 'unauthenticated': return refused(401, 'auth.unauthenticated');
    case 'member': return refused(403, 'company.admin_required');
    case 'admin': case 'admin API key': return { caller, status: row.ok };
    case 'other company\'s admin': return refused(404, row.elsewhere ?? 'company.not_found');
    case 'token with the scope':
      if (row.tokens === false) return refused(403, 'auth.credential_not_accepted');
      return row.serviceAccountRefused ? refused(403, row.serviceAccountRefused) : { caller, status: row.ok };
    default: return refused(403, row.tokens === false ? 'auth.credential_not_accepted' : 'auth.insufficient_scope');
  }
}

function headersOf(row: Row, caller: Kind): Record<string, string> {
  switch (caller) {
    case 'unauthenticated': return {};
    case 'member': return w.acme.member.headers;
    case 'admin': return w.acme.admin.headers;
    case 'admin API key': return w.adminKey;
    case 'other company\'s admin': return w.other.admin.headers;
    case 'token with the scope': return w.tokens.get(row.scope)!.with.headers;
    case 'token with every other scope': return w.tokens.get(row.scope)!.without.headers;
    case 'token with read scopes': return w.reader.headers;
  }
}

async function send(method: string, req: Request, headers: Record<string, string>) {
  const h = { ...headers, ...(req.raw ? { 'content-type': req.raw.type } : req.body !== undefined ? { 'content-type': 'application/json' } : {}) };
  const body = req.raw ? req.raw.data : req.body !== undefined ? JSON.stringify(req.body) : undefined;
  const res = await fetch(stack.baseUrl + req.path, { method, headers: h, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed as { code?: string } | undefined };
}

/** Building the world starts workflows and waits for their emails; a loaded CI machine needs far longer than this one. */
const WORLD_TIMEOUT_MS = 180_000;
beforeAll(async () => {
  const started = Date.now();
  let current = 'webhook receiver';
  const phase = (name: string) => {
    current = name;
  };
  // Jest's timeout names the hook only: say which part of the world was still being built.
  const watchdog = setTimeout(() => process.stderr.write(`access matrix world still at "${current}" after ${Date.now() - started} ms\n`), WORLD_TIMEOUT_MS - 5_000);
  try {
    receiver = await startWebhookReceiver();
    w = await accessMatrixWorld(stack, { webhookUrl: receiver.url, scopes: [...new Set(ROWS.map((r) => r.scope))], phase });
  } finally {
    clearTimeout(watchdog);
  }
}, WORLD_TIMEOUT_MS);

const documented = async () => {
  const doc = (await stack.http('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { security: Record<string, string[]>[] }>> };
  return Object.entries(doc.paths)
    .filter(([path]) => (path.startsWith('/v1/companies/{id}/') || path.startsWith('/v1/apps/')) && !path.endsWith('/password-policy'))
    .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method} ${path}`, security: op.security })));
};

test('the table names every company and app operation of the document, once, with the scope it documents for a token', async () => {
  const ops = await documented();
  expect(ROWS.map((r) => r.op).sort()).toEqual(ops.map((o) => o.key).sort());
  expect(new Set(ROWS.map((r) => r.op)).size).toBe(ROWS.length);
  for (const row of ROWS) {
    const token = row.tokens === false ? [] : [{ mxtoken: [row.scope] }];
    const security = ops.find((o) => o.key === row.op)!.security;
    expect({ op: row.op, security }).toEqual({ op: row.op, security: [{ bearerAuth: [] }, { mendixUsername: [], mendixApiKey: [] }, ...token] });
  }
});

describe.each(ROWS.map((row) => [row.op, row] as const))('%s', (_op, row) => {
  test('every kind of caller gets its answer', async () => {
    const kinds: Kind[] = ['unauthenticated', 'member', 'admin', 'admin API key', 'other company\'s admin', 'token with the scope', 'token with every other scope'];
    if (isWrite(row)) kinds.push('token with read scopes');
    // Refusals first, on standing targets (a refusal changes nothing); then each allowed call on targets of its own.
    const allowed = (k: Kind) => expected(row, k).status < 300;
    const order = [...kinds.filter((k) => !allowed(k)), ...kinds.filter(allowed)];
    const [method] = row.op.split(' ') as [string];
    const answers: Answer[] = [];
    for (const caller of order) {
      if (row.op.includes('/webhook') && allowed(caller)) await w.ensureWebhook();
      const r = await send(method.toUpperCase(), await row.request(allowed(caller)), headersOf(row, caller));
      if (r.status >= 400 && r.status < 500) expectErrorShape(r, `${row.op} by ${caller}`);
      answers.push({ caller, status: r.status, ...(r.status >= 400 ? { code: r.body?.code ?? 'none' } : {}) });
    }
    expect(answers).toEqual(order.map((k) => expected(row, k)));
  });
});
