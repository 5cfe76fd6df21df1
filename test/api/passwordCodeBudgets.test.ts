// Setting a password with an emailed code, without a session (an invitation's acceptance, a reset's completion):
// a point of the client address's and the flow's durable budgets is reserved before argon2 (libraries/
// passwordWithCode.ts). Past either, 429 with Retry-After and nothing hashed, counted through the one seam that
// hashes (lib/passwords.ts hashPassword); a right code gives its points back.
import { listAuditForSubject } from '../../db/queries/audit';
import { findPasswordReset } from '../../db/queries/passwordResets';
import { hmacHex } from '../../lib/crypto';
import * as passwords from '../../lib/passwords';
import { BUDGETS } from '../../libraries/budgets';
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { newEmail, onboardingApi } from '../helpers/memberOnboarding';
import { otherCode, passwordResetApi } from '../helpers/passwordResetApi';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ env: { TRUST_PROXY: '1' } });
const { call } = checkedHttp(stack);
const onboarding = onboardingApi(stack, call);
const resets = passwordResetApi(stack);
const PASSWORD = 'Lantern-Harbour-73!';
const PER_CLIENT = BUDGETS.passwordCodesPerClient.limit;
const PER_FLOW = BUDGETS.passwordCodesPerFlow.limit;

let acme: TestCompany;
let hashes: jest.SpyInstance;
beforeAll(async () => {
  acme = await createCompany(stack, 'Budget Corp');
  hashes = jest.spyOn(passwords, 'hashPassword');
});
afterAll(() => hashes.mockRestore());

let clients = 0;
/** A client address of its own (TRUST_PROXY=1: the X-Forwarded-For entry), so each test counts only its own requests. */
const freshClient = () => `198.51.100.${++clients}`;

interface Flow {
  kind: 'invitation' | 'reset';
  id: string;
  /** The code the flow emailed (a decoy reset emails none: every code is wrong). */
  code: string | null;
  /** What the audit log files the flow's code proofs under. */
  subject: [string, string];
}

async function invitation(): Promise<Flow> {
  const email = newEmail('budget');
  const created = await onboarding.create(acme.companyId, acme.admin.headers, { email, name: 'Budget' });
  expect(created.status).toBe(201);
  return { kind: 'invitation', id: created.body.invitation.id, code: await onboarding.code(email), subject: ['account', created.body.member.accountId] };
}

async function reset(known: boolean): Promise<Flow> {
  const person = await createPerson(stack.sql);
  const email = known ? person.emails[0]! : `nobody-${person.profileId.slice(0, 8)}@test.custodian.test`;
  const id = await resets.request(email);
  const subject: [string, string] = known ? ['account', person.accountIds[0]!] : ['address', hmacHex(stack.config.keys.addressKey, email)];
  return { kind: 'reset', id, code: known ? await resets.codeFor(email) : null, subject };
}

const wrongCode = (f: Flow) => otherCode(f.code ?? '123456');

/** One submission of `code` with a new password, from `client`. */
function submit(f: Flow, code: string, client: string) {
  const headers = { 'x-forwarded-for': client };
  return f.kind === 'invitation'
    ? call('POST', `/v1/invitations/${f.id}/acceptance`, { body: { code, password: PASSWORD }, headers })
    : call('POST', `/v1/password-resets/${f.id}/completion`, { body: { code, newPassword: PASSWORD }, headers });
}

function expectRefused(r: Awaited<ReturnType<typeof submit>>): void {
  expectError(r, 429, 'verification_code.too_many_attempts');
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
}

const pointsOf = async (key: string) =>
  (await stack.sql<{ points: number }[]>`select points from rate_limits where key = ${key}`)[0]?.points ?? 0;

test('one client address: its wrong codes across invitations and resets share one budget; past it, 429 and no argon2', async () => {
  const client = freshClient();
  // 4 wrong codes a flow: under each flow's 5 attempts and its own budget, so only the client's budget counts.
  const flows: Flow[] = [];
  while (flows.length * 4 <= PER_CLIENT) flows.push(flows.length % 2 ? await reset(false) : await invitation());
  hashes.mockClear();

  let sent = 0;
  for (const f of flows) {
    for (let i = 0; i < 4; i++) {
      const r = await submit(f, wrongCode(f), client);
      sent += 1;
      if (sent <= PER_CLIENT) expectError(r, 422, 'verification_code.invalid');
      else expectRefused(r);
    }
  }
  expect(sent).toBeGreaterThan(PER_CLIENT);
  // Both endpoints are refused now, before anything is hashed: even a right code waits.
  expectRefused(await submit(flows[0]!, flows[0]!.code!, client));
  expectRefused(await submit(flows[1]!, wrongCode(flows[1]!), client));
  expect(hashes).toHaveBeenCalledTimes(PER_CLIENT);
  expect(Number((await submit(flows[0]!, flows[0]!.code!, client)).headers.get('retry-after'))).toBeLessThanOrEqual(BUDGETS.passwordCodesPerClient.windowSeconds);
  expect((await listAuditForSubject(stack.sql, ...flows[0]!.subject)).filter((e) => e.action === 'verification_code.budget_exhausted'))
    .toEqual(expect.arrayContaining([expect.objectContaining({ details: { budget: 'passwordCodesPerClient' } })]));

  // Another client is not held to this one's budget: the right code accepts the invitation.
  expect((await submit(flows[0]!, flows[0]!.code!, freshClient())).status).toBe(200);
}, 120_000);

test.each(['invitation', 'reset'] as const)('%s: a burst of wrong codes from one address: at most the flow\'s budget reaches argon2, the rest 429', async (kind) => {
  const f = kind === 'invitation' ? await invitation() : await reset(false);
  const client = freshClient();
  const N = PER_FLOW + 6;
  hashes.mockClear();
  const answers = await Promise.all(Array.from({ length: N }, () => submit(f, wrongCode(f), client)));
  const refused = answers.filter((r) => r.status === 429);
  for (const r of refused) expectRefused(r);
  // The others were hashed and then refused by the flow: wrong codes, then (its attempts spent) a closed flow.
  for (const r of answers.filter((a) => a.status !== 429)) expect([409, 422]).toContain(r.status);
  expect(refused).toHaveLength(N - PER_FLOW);
  expect(hashes).toHaveBeenCalledTimes(PER_FLOW);
}, 60_000);

test.each(['invitation', 'reset'] as const)('%s: the right code after wrong ones within the budget works, and gives its points back', async (kind) => {
  const f = kind === 'invitation' ? await invitation() : await reset(true);
  const client = freshClient();
  const flowKey = kind === 'invitation' ? `invitation:${f.id}` : `password-reset:${(await findPasswordReset(stack.sql, f.id))!.runId}`;
  hashes.mockClear();
  for (let i = 0; i < 2; i++) expectError(await submit(f, wrongCode(f), client), 422, 'verification_code.invalid');
  const ok = await submit(f, f.code!, client);
  expect(ok.status).toBe(200);
  expect(hashes).toHaveBeenCalledTimes(3);
  // The two wrong codes stay spent; the right one's points came back.
  expect(await pointsOf(`passwordCodesPerClient:${client}`)).toBe(2);
  expect(await pointsOf(`passwordCodesPerFlow:${flowKey}`)).toBe(2);
  // A repeat of the finished flow (its row closed) is answered without hashing or spending.
  if (kind === 'reset') await resets.closed(f.id);
  expect((await submit(f, f.code!, client)).status).toBe(200);
  expect(hashes).toHaveBeenCalledTimes(3);
}, 60_000);
