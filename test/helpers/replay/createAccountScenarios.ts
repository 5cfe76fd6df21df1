// The createAccount workflow's branches as committed histories (test/fixtures/histories/createAccount/): each
// run is opened and started as libraries/accountCreation/service.ts does (the request's rows, the pending
// password hash, USE_EXISTING on the address's HMAC), on the real activities, and driven as the API drives it.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { bindCreationToRun, markCreationVerified, openCreation } from '../../../db/queries/accountCreations';
import { insertAccount } from '../../../db/queries/people';
import { hmacHex } from '../../../lib/crypto';
import { hashPassword } from '../../../lib/passwords';
import { codeHmac } from '../../../lib/verificationCode';
import { startCreateAccountWorkflow, type CreateAccountHandle } from '../../../libraries/accountCreation/workflow';
import {
  AccountCreationFailure, accountCreationCodeUpdates, cancelAccountCreationUpdate, createAccountUpdate, type AccountCreationKind,
} from '../../../workflows/shared/accountCreationContract';
import { DEFAULT_CHALLENGE_POLICY, type ChallengePolicy } from '../../../workflows/shared/codeChallenge';
import { FailureType } from '../../../workflows/shared/failures';
import { updateIds, workflowIds } from '../../../workflows/shared/ids';
import { codeFromMail } from '../mailSink';
import { LONG, wrong } from '../mergeHarness';
import { createPerson } from '../people';
import type { Recording, Scenario } from '../replayScenarios';
import type { TestStack } from '../stack';

const HOUR_MS = 3_600_000;
const PASSWORD = 'Replayed-Sign-Up-2026!';

/** One request for a fresh address, opened and started as the API does, and the means to drive it. */
async function openRequest(
  stack: TestStack,
  { kind = 'sign-up', ttlMs = HOUR_MS, createWithinMs = 60_000, challenge = LONG }:
  { kind?: AccountCreationKind; ttlMs?: number; createWithinMs?: number; challenge?: ChallengePolicy } = {},
) {
  const me = kind === 'account-creation' ? await createPerson(stack.sql) : undefined;
  const local = `Replay.User-${randomUUID().slice(0, 8)}`;
  const email = `${local}@signup.custodian.test`;
  const addressHmac = hmacHex(stack.config.keys.addressKey, email.toLowerCase());
  const workflowId = kind === 'sign-up' ? workflowIds.signUp(addressHmac) : workflowIds.accountCreation(addressHmac);
  const id = randomUUID();
  const passwordHash = await hashPassword(PASSWORD);
  const { pendingAddressId } = await openCreation(stack.sql, {
    id, kind, workflowId, addressHmac, profileId: me?.profileId ?? null, startedByAccountId: me?.accountIds[0] ?? null,
    address: email, passwordHash, marketingOptIn: true, ttlMs,
  });
  const { runId, handle } = await startCreateAccountWorkflow(stack.client, {
    taskQueue: stack.taskQueue, workflowId, profileId: me?.profileId ?? null,
    input: { kind, pendingAddressId, ttlMs, createWithinMs, challenge },
  });
  await bindCreationToRun(stack.sql, id, runId, new Date(Date.now() + ttlMs));
  const codes: string[] = [];
  return {
    id, email, handle,
    /** Sends the (only) code and reads it from the mail. */
    async requestCode(): Promise<string> {
      await handle.executeUpdate(accountCreationCodeUpdates.requestCode, { args: [{}] });
      const code = codeFromMail(await stack.mail.waitFor((m) => m.to.includes(email)));
      codes.push(code, wrong(code));
      return code;
    },
    verify: (code: string) =>
      handle.executeUpdate(accountCreationCodeUpdates.verifyCode, { args: [{ codeHmac: codeHmac(stack.config.keys.codeHmac, workflowId, code) }] }),
    /** What the API does after a verified code: marks the request, then asks for the creation. */
    async create() {
      expect(await markCreationVerified(stack.sql, id)).toBe(true);
      return handle.executeUpdate(createAccountUpdate, { args: [{ creationId: id }], updateId: updateIds.create });
    },
    cancel: () => handle.executeUpdate(cancelAccountCreationUpdate, { updateId: updateIds.cancel }),
    recording: (): Recording => ({
      handle,
      secrets: [...codes, email, local, PASSWORD, passwordHash, ...(me ? [...me.emails, `Person ${me.profileId.slice(0, 8)}`] : [])],
    }),
  };
}

async function failureOf(handle: CreateAccountHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
  return (err as WorkflowFailedError).cause as ApplicationFailure;
}

const createAccount = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario => ({ workflowType: 'createAccount', branch, ...s });

export const CREATE_ACCOUNT_SCENARIOS: Scenario[] = [
  createAccount('happy-path', {
    async record(stack) {
      const r = await openRequest(stack, { challenge: DEFAULT_CHALLENGE_POLICY });
      const code = await r.requestCode();
      expect(await r.verify(wrong(code))).toMatchObject({ verdict: 'wrong' });
      expect(await r.verify(code)).toMatchObject({ verdict: 'verified' });
      expect(await r.create()).toMatchObject({ step: 'completed' });
      expect(await r.handle.result()).toEqual({ outcome: 'completed' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'completed' });
      expect(h.count('WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toBe(4); // requestCode, wrong, right, create
      expect(h.payloads).toContain('"kind":"sign-up"');
      expect(h.payloads).toContain('"verdict":"verified"');
      expect(h.localActivity('createAccountFromPending')).toBeGreaterThan(0);
      expect(h.activities).toEqual(['closeAccountCreation']);
    },
  }),

  createAccount('in-profile', {
    async record(stack) {
      const r = await openRequest(stack, { kind: 'account-creation' });
      expect(await r.verify(await r.requestCode())).toMatchObject({ verdict: 'verified' });
      expect(await r.create()).toMatchObject({ step: 'completed' });
      expect(await r.handle.result()).toEqual({ outcome: 'completed' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'completed' });
      expect(h.payloads).toContain('"kind":"account-creation"');
      expect(h.localActivity('createAccountFromPending')).toBeGreaterThan(0);
      expect(h.activities).toEqual(['closeAccountCreation']);
    },
  }),

  createAccount('cancel', {
    async record(stack) {
      const r = await openRequest(stack);
      await r.requestCode();
      expect(await r.cancel()).toMatchObject({ step: 'cancelled' });
      expect(await r.handle.result()).toEqual({ outcome: 'cancelled' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'cancelled' });
      expect(h.payloads).toContain('"step":"cancelled"');
      expect(h.indexOf('WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBe(-1);
      expect(h.localActivity('createAccountFromPending')).toBe(-1);
      expect(h.activities).toEqual(['closeAccountCreation']);
    },
  }),

  createAccount('expiry', {
    async record(stack) {
      const r = await openRequest(stack, { ttlMs: 2_000 });
      await r.requestCode();
      expect(await r.handle.result()).toEqual({ outcome: 'expired' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'expired' });
      expect(h.indexOf('TIMER_FIRED')).toBeGreaterThan(0);
      expect(h.localActivity('createAccountFromPending')).toBe(-1);
      expect(h.activities).toEqual(['closeAccountCreation']);
    },
  }),

  createAccount('verified-abandoned', {
    async record(stack) {
      // Verified, but the request that verified never asks for the creation (its process died).
      const r = await openRequest(stack, { createWithinMs: 1_000 });
      expect(await r.verify(await r.requestCode())).toMatchObject({ verdict: 'verified' });
      expect(await r.handle.result()).toEqual({ outcome: 'expired' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'expired' });
      expect(h.payloads).toContain('"verdict":"verified"');
      expect(h.indexOf('TIMER_CANCELED')).toBeGreaterThan(0); // the run's deadline, replaced by the shorter wait
      expect(h.indexOf('TIMER_FIRED')).toBeGreaterThan(h.indexOf('TIMER_CANCELED'));
      expect(h.localActivity('createAccountFromPending')).toBe(-1);
      expect(h.activities).toEqual(['closeAccountCreation']);
    },
  }),

  createAccount('attempts-exhausted', {
    async record(stack) {
      const r = await openRequest(stack, { challenge: LONG });
      const bad = wrong(await r.requestCode());
      for (const attemptsLeft of [4, 3, 2, 1]) expect(await r.verify(bad)).toMatchObject({ verdict: 'wrong', attemptsLeft });
      expect(await r.verify(bad)).toMatchObject({ verdict: 'exhausted', attemptsLeft: 0 });
      expect((await failureOf(r.handle)).type).toBe(FailureType.AttemptsExhausted);
      return r.recording();
    },
    covers(h) {
      expect(h.closedAs).toBe('FAILED');
      expect(h.failureType).toBe(FailureType.AttemptsExhausted);
      expect(h.payloads).toContain('"verdict":"exhausted"');
      expect(h.activities).toEqual(['closeAccountCreation']);
    },
  }),

  createAccount('email-taken', {
    async record(stack) {
      const r = await openRequest(stack);
      expect(await r.verify(await r.requestCode())).toMatchObject({ verdict: 'verified' });
      // The address gets an account meanwhile, through another flow.
      const owner = await createPerson(stack.sql, { accounts: 0 });
      await insertAccount(stack.sql, { id: randomUUID(), profileId: owner.profileId, email: r.email.toLowerCase(), passwordHash: 'x' });
      expect(await r.create()).toMatchObject({ step: 'failed', status: { failureReason: AccountCreationFailure.EmailTaken } });
      expect((await failureOf(r.handle)).type).toBe(AccountCreationFailure.EmailTaken);
      const rec = r.recording();
      return { ...rec, secrets: [...rec.secrets, `Person ${owner.profileId.slice(0, 8)}`] };
    },
    covers(h) {
      expect(h.closedAs).toBe('FAILED');
      expect(h.failureType).toBe(AccountCreationFailure.EmailTaken);
      expect(h.localActivity('createAccountFromPending')).toBeGreaterThan(0);
      expect(h.payloads).toContain('"step":"failed"');
      expect(h.activities).toEqual(['closeAccountCreation']);
    },
  }),

  createAccount('operator-cancel', {
    async record(stack) {
      const r = await openRequest(stack);
      await r.requestCode();
      await r.handle.cancel(); // workflow cancellation, as from the Temporal UI: not the cancel Update
      expect(await r.handle.result()).toEqual({ outcome: 'cancelled' });
      return r.recording();
    },
    covers(h) {
      expect(h.indexOf('WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBeGreaterThan(0);
      expect(h.result).toEqual({ outcome: 'cancelled' });
      expect(h.localActivity('createAccountFromPending')).toBe(-1);
      expect(h.activities).toEqual(['closeAccountCreation']);
    },
  }),
];
