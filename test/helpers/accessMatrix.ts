// The company and its objects that test/api/companyAccessMatrix.test.ts calls every endpoint on: callers of each
// kind, and real targets (a member, an app, invitations, offboarding runs, a batch, a service account and its
// tokens, the webhook), with pools of fresh ones for the calls whose effect would change the next caller's answer.
import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client';
import { insertToken } from '../../db/queries/personalAccessTokens';
import { sha256 } from '../../lib/crypto';
import { newSecret } from '../../lib/tokenFormat';
import { ALL_SCOPES, type Scope } from '../../libraries/scopes';
import { createCompany, serviceAccountToken, type Caller } from './company';
import { apiKeyHeaders, developerSettingsApi } from './developerSettings';
import { newEmail } from './memberOnboarding';
import type { TestStack } from './stack';

export const READ_SCOPES: readonly Scope[] = ALL_SCOPES.filter((s) => s.endsWith(':read') && /^(company-users|apps|audit|offboarding):/.test(s));
/** Far enough ahead that no run or batch of the matrix ever starts: they only wait, and can be cancelled. */
export const FUTURE = new Date(Date.now() + 86_400_000).toISOString();

export interface Member { accountId: string; email: string }

/** Members of the company with the common test password, in one statement. */
async function bulkMembers(sql: Sql, companyId: string, passwordOf: string, n: number, status: 'active' | 'deactivated'): Promise<Member[]> {
  return sql<Member[]>`
    with p as (insert into profiles (display_name) select 'Matrix member ' || g from generate_series(1, ${n}::int) g returning id)
    insert into accounts (id, profile_id, email, password_hash, company_id, status, deactivated_at, password_changed_at)
    select gen_random_uuid(), p.id, 'matrix-' || p.id::text || '@test.custodian.test', (select password_hash from accounts where id = ${passwordOf}),
           ${companyId}, ${status}, case when ${status}::text = 'deactivated' then now() end, now()
      from p
    returning id as account_id, email`;
}

/** Takes the next fresh object of a pool; a pool that runs dry is a mistake in the test. */
const taker = <T>(pool: T[], what: string) => () => {
  const next = pool.shift();
  if (next === undefined) throw new Error(`no fresh ${what} left`);
  return next;
};

/**
 * `phase` hears which part of the building starts, so a suite whose setup runs out of time can say where it was
 * (CI once timed out here on a loaded 2-core machine without saying which part was slow).
 */
export async function accessMatrixWorld(
  stack: TestStack,
  { webhookUrl, scopes, phase = () => {} }: { webhookUrl: string; scopes: readonly Scope[]; phase?: (name: string) => void },
) {
  phase('companies');
  const acme = await createCompany(stack, `Acme ${randomUUID().slice(0, 6)}`);
  const other = await createCompany(stack, `Other ${randomUUID().slice(0, 6)}`);
  const base = `/v1/companies/${acme.companyId}`;
  const admin = acme.admin.headers;
  const key = await developerSettingsApi(stack).createApiKey(acme.admin.headers.authorization!.replace('Bearer ', ''));

  const asAdmin = async (method: string, path: string, body: unknown, status: number) => {
    const r = await stack.http(method, path, { headers: admin, body });
    if (r.status !== status) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  };

  // Service accounts: one with each route scope, one with every scope but it, one with the read scopes only.
  phase('service accounts');
  const tokens = new Map<Scope, { with: Caller; without: Caller }>();
  for (const scope of scopes) {
    tokens.set(scope, { with: await acme.serviceAccount([scope]), without: await acme.serviceAccount(ALL_SCOPES.filter((s) => s !== scope)) });
  }
  const reader = await acme.serviceAccount(READ_SCOPES);

  phase('members and an app');
  const [active, deactivated] = [
    await bulkMembers(stack.sql, acme.companyId, acme.admin.accountId, 24, 'active'),
    await bulkMembers(stack.sql, acme.companyId, acme.admin.accountId, 4, 'deactivated'),
  ];
  const freshMember = taker(active, 'active member');

  const [app] = await stack.sql<{ id: string }[]>`
    insert into apps (company_id, name, technical_contact_account_id) values (${acme.companyId}, 'Matrix app', ${acme.member.accountId}) returning id`;
  await stack.sql`insert into app_members (app_id, account_id, can_access_backups) values (${app!.id}, ${acme.member.accountId}, true)`;

  // Invitations, each with its run: one that only refused calls touch (its member's picture is set by the allowed
  // ones), and fresh ones to resend and to revoke. Resending waits for the first code to have gone out.
  const invite = async () => {
    const email = newEmail('matrix');
    const body = await asAdmin('POST', `${base}/members`, { email, name: 'Matrix invitee' }, 201);
    return { id: body.invitation.id as string, accountId: body.member.accountId as string, email };
  };
  phase('invitations');
  const invitations = await Promise.all(Array.from({ length: 7 }, invite));
  phase('invitation emails');
  await Promise.all(invitations.map((i) => stack.mail.waitFor((m) => m.to.includes(i.email))));
  const firstCodesSentAt = Date.now();
  const [invitation, ...rest] = invitations as [typeof invitations[0], ...typeof invitations];

  // Offboarding runs waiting for their effectiveAt: one to read, fresh ones to cancel; and a batch.
  phase('offboarding runs and a batch');
  const run = async () => (await asAdmin('POST', `${base}/offboardings`, { email: freshMember().email, successor: acme.member.email, effectiveAt: FUTURE }, 202)).id as string;
  const runs = [await run(), await run(), await run(), await run()];
  const batch = await asAdmin('POST', `${base}/offboarding-batches?effectiveAt=${encodeURIComponent(FUTURE)}`, {
    people: [{ email: freshMember().email, successor: acme.member.email }],
  }, 202);

  // A service account whose tokens are issued and deleted.
  phase('the rotated service account and the webhook');
  const rotated = await acme.serviceAccount(['company-users:read']);
  const rotatedToken = async () => (await insertToken(stack.sql, {
    accountId: rotated.accountId, name: 'Rotated', tokenHash: sha256(newSecret('pat')), scopes: ['company-users:read'], expiresAt: null,
  }))!.id;

  await asAdmin('PUT', `${base}/webhook`, { url: webhookUrl }, 201);

  phase('done');
  return {
    acme, other, base,
    adminKey: apiKeyHeaders(key.username, key.key),
    tokens, reader,
    appId: app!.id,
    freshMember,
    freshDeactivated: taker(deactivated, 'deactivated member'),
    standingMember: freshMember(),
    invitation,
    freshInvitation: { resend: taker(rest.slice(0, 3), 'invitation to resend'), revoke: taker(rest.slice(3), 'invitation to revoke') },
    firstCodesSentAt,
    runs: { standing: runs[0]!, cancel: taker(runs.slice(1), 'run to cancel') },
    batchId: batch.id as string,
    rotated,
    standingToken: await rotatedToken(),
    rotatedToken,
    freshServiceAccount: async () => (await serviceAccountToken(stack.sql, acme.companyId, ['apps:read'])).accountId,
    /** The webhook exists again (an allowed DELETE removed it). */
    async ensureWebhook() {
      const [row] = await stack.sql`select 1 from company_webhooks where company_id = ${acme.companyId}`;
      if (!row) await asAdmin('PUT', `${base}/webhook`, { url: webhookUrl }, 201);
    },
  };
}
export type AccessMatrixWorld = Awaited<ReturnType<typeof accessMatrixWorld>>;
