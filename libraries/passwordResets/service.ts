import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Sql } from '../../db/client';
import { appendAudit } from '../../db/queries/audit';
import {
  deletePendingPassword, findAccountForReset, findPasswordReset, insertPasswordReset, type PasswordResetRecord,
} from '../../db/queries/passwordResets';
import { hmacHex } from '../../lib/crypto';
import { AppError, notFound, retryLater } from '../../lib/errors';
import type { DerivedKeys } from '../../lib/keys';
import { codeHmac } from '../../lib/verificationCode';
import { DEFAULT_CHALLENGE_POLICY } from '../../workflows/shared/codeChallenge';
import { completeResetUpdateId, workflowIds } from '../../workflows/shared/ids';
import {
  completeResetUpdate, resetCodeUpdates, resetStatusQuery, type ResetFinish, type ResetKind, type ResetStatus,
} from '../../workflows/shared/passwordResetContract';
import { consume, durableLimiter } from '../budgets';
import { assertAcceptablePassword } from '../passwordRules';
import { createPasswordWithCode } from '../passwordWithCode';
import type { FlowErrors } from '../temporalErrors';
import type { CodeFlows, Proof } from '../verification';
import { requestResetWorkflow, type ResetHandle } from './workflow';

export interface PasswordResetSettings {
  taskQueue: string;
  /** How long a reset stays open after its latest request (PASSWORD_RESET_TTL_SECONDS). */
  ttlMs: number;
}

/**
 * Requests per client address, whatever the address asked for: it bounds the runs one client can open
 * (decoys included), and says nothing about which accounts exist.
 */
export const RESET_REQUESTS_PER_CLIENT = { limit: 30, windowSeconds: 3600 } as const;

export const RESET_ERRORS = {
  notFound: 'password_reset.not_found',
  invalidStep: 'password_reset.invalid_step',
  closed: 'password_reset.closed',
  applyFailed: 'password_reset.apply_failed',
  tooManyRequests: 'password_reset.too_many_requests',
} as const;

const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How often, and how far apart, a code that reached a run before its first task ended is tried again. */
const FIRST_TASK_TRIES = 20;
const FIRST_TASK_WAIT_MS = 50;

export interface ResetView {
  id: string;
  step: ResetStatus['step'];
  expiresAt: string;
  attemptsLeft: number | null;
}

/**
 * "Forgot password?" as the API offers it (README "Password reset"). Nothing here tells an anonymous
 * caller whether an account has the address: every request gets a row, a run and the same answer, in the
 * same time; a decoy's id takes codes, spends budgets, fails and expires like a real one. Only the email
 * differs: a code for an active account with a password, a notice for an SSO account, nothing otherwise.
 */
export function createPasswordResets(
  { sql, temporal, codeFlows, keys, settings }:
  { sql: Sql; temporal: Client; codeFlows: CodeFlows; keys: Pick<DerivedKeys, 'codeHmac' | 'addressKey'>; settings: PasswordResetSettings },
) {
  const perClient = durableLimiter(sql, 'password_reset_requests', RESET_REQUESTS_PER_CLIENT.limit, RESET_REQUESTS_PER_CLIENT.windowSeconds);
  const handleOf = (row: PasswordResetRecord): ResetHandle => temporal.workflow.getHandle(row.workflowId, row.runId);
  const withCode = createPasswordWithCode({ sql, budgets: codeFlows.budgets });

  const closed = () => new AppError(409, RESET_ERRORS.closed, 'This password reset has ended; request a new one');
  const flowErrors: FlowErrors = { invalidStep: RESET_ERRORS.invalidStep, unknownRecipient: RESET_ERRORS.invalidStep, closed };

  async function record(id: string): Promise<PasswordResetRecord> {
    const row = await findPasswordReset(sql, id);
    if (!row) throw notFound(RESET_ERRORS.notFound, 'No such password reset');
    return row;
  }

  /** The durable budgets of wrong codes are the account's, or (no account) the address's. */
  const proofOf = (row: PasswordResetRecord): Proof => (row.accountId
    ? { subjectType: 'account', subjectId: row.accountId, actorAccountId: null }
    : { subjectType: 'address', subjectId: row.addressKey!, actorAccountId: null });

  async function view(row: PasswordResetRecord, known?: ResetStatus): Promise<ResetView> {
    // A closed reset is described by its row; an open one only by its run.
    if (!known && row.closedAt && row.outcome) return { id: row.id, step: row.outcome, expiresAt: row.expiresAt.toISOString(), attemptsLeft: null };
    const s = known ?? await codeFlows.call(() => handleOf(row).query(resetStatusQuery)).catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
    if (s) return { id: row.id, step: s.step, expiresAt: iso(s.expiresAt), attemptsLeft: s.attemptsLeft };
    // The run is gone from Temporal (past its retention): long expired.
    if (row.expiresAt.getTime() <= Date.now()) return { id: row.id, step: 'expired', expiresAt: row.expiresAt.toISOString(), attemptsLeft: null };
    throw retryLater(503, 'password_reset.state_unavailable', 'The password reset state is unavailable right now; try again shortly', 5_000);
  }

  /**
   * The kit's verify. A run takes a code from the end of its first workflow task (every kind holds a blank
   * challenge from then on); a code that reaches it sooner, in that very task, is refused as InvalidStep
   * while the run still says awaiting_code. Then it is tried again a moment later, as it would have been
   * a few milliseconds on: the same for every kind of run, so the wait tells nothing.
   */
  async function verifyWhenReady(row: PasswordResetRecord, handle: ResetHandle, code: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await codeFlows.verify(handle, resetCodeUpdates, code, proofOf(row), flowErrors);
        return;
      } catch (err) {
        if (!(err instanceof AppError && err.code === RESET_ERRORS.invalidStep) || attempt >= FIRST_TASK_TRIES) throw err;
        const s = await codeFlows.call(() => handle.query(resetStatusQuery)).catch(() => undefined);
        if (s?.step !== 'awaiting_code') throw err;
        await sleep(FIRST_TASK_WAIT_MS);
      }
    }
  }

  /**
   * The `complete` Update (id `complete/<codeHmac>`): waits for the run's apply and answers its outcome, or
   * the stored outcome of the same Update. Refused for a code the run did not email or did not verify:
   * then `refusal` (the verify's own answer), if any, is the answer. The waiting hash goes with any answer
   * but an outage (the apply may still need it).
   */
  async function finish(row: PasswordResetRecord, handle: ResetHandle, hmac: string, refusal?: unknown): Promise<ResetView> {
    let done: ResetFinish;
    try {
      done = await codeFlows.update(flowErrors, () =>
        handle.executeUpdate(completeResetUpdate, { updateId: completeResetUpdateId(hmac), args: [{ codeHmac: hmac }] }));
    } catch (err) {
      if (err instanceof AppError && err.status === 409) {
        await deletePendingPassword(sql, row.runId, hmac);
        throw refusal ?? err;
      }
      throw err;
    }
    // The apply consumed it; what a repeated submission of the same code left goes too.
    await deletePendingPassword(sql, row.runId, hmac);
    if (done.step !== 'completed') {
      throw new AppError(409, RESET_ERRORS.applyFailed, 'The password could not be reset: the account changed meanwhile; request a new reset');
    }
    return view(row, done.status);
  }

  return {
    /**
     * Always the same answer, in the same time: one budget point of the client, one account lookup, one
     * signal-with-start (never waiting for a worker or the mail server), one row and one audit entry,
     * whether the address is an account's, an SSO account's, a deactivated account's or nobody's.
     */
    async request(email: string, clientAddress: string) {
      const budget = await consume(perClient, clientAddress);
      if (!budget.allowed) {
        throw retryLater(429, RESET_ERRORS.tooManyRequests, 'Too many password resets requested from this address; try again later', budget.retryAfterMs);
      }
      const account = await findAccountForReset(sql, email);
      const addressHmac = hmacHex(keys.addressKey, email.toLowerCase());
      const kind: ResetKind = !account || account.status !== 'active' ? 'decoy' : account.sso ? 'sso-notice' : 'reset';
      const workflowId = account ? workflowIds.passwordReset({ accountId: account.id }) : workflowIds.passwordResetUnknownAddress(addressHmac);
      const expiresAt = Date.now() + settings.ttlMs;
      const run = await codeFlows.call(() => requestResetWorkflow(temporal, settings.taskQueue, {
        workflowId,
        profileId: account?.profileId ?? null,
        input: { kind, accountId: account?.id ?? null, expiresAt, challenge: DEFAULT_CHALLENGE_POLICY },
        request: { expiresAt, kind },
      }));
      const id = randomUUID();
      await insertPasswordReset(sql, {
        id, workflowId, runId: run.signaledRunId, accountId: account?.id ?? null, addressKey: account ? null : addressHmac, address: email,
        expiresAt: new Date(expiresAt),
      });
      await appendAudit(sql, {
        actorAccountId: null, action: 'password_reset.requested', subjectType: account ? 'account' : 'address', subjectId: account?.id ?? addressHmac,
        details: { resetId: id, kind, address: clientAddress },
      });
      return { id, step: 'awaiting_code' as const, expiresAt: iso(expiresAt) };
    },

    async status(id: string): Promise<ResetView> {
      return view(await record(id));
    },

    /**
     * In this order: the policy (422 listing every unmet rule, nothing spent); a point of the client
     * address's and the run's durable budgets, before argon2 (429, nothing hashed; libraries/passwordWithCode.ts);
     * the hash, made here and waiting in a pending row filed under the code's HMAC (never in history); the
     * code, through the kit (durable budgets of the account or address, 422 `verification_code.*`, 429); then the `complete`
     * Update, which waits for the run's apply and answers its outcome. A completion retried after a lost
     * answer (the code already verified) goes straight to `complete`, which takes only a code the run
     * emailed, and joins the Update in flight or gets its outcome.
     */
    async complete(id: string, code: string, newPassword: string, clientAddress: string): Promise<ResetView> {
      const row = await record(id);
      assertAcceptablePassword(newPassword, { ...(row.address ? { email: row.address } : {}), field: 'body.newPassword' });
      const hmac = codeHmac(keys.codeHmac, row.workflowId, code);
      const handle = handleOf(row);
      // A completed reset answers a repeated completion with its code (its complete Update's stored outcome), and nothing else.
      if (row.closedAt) return row.outcome === 'completed' ? finish(row, handle, hmac) : Promise.reject(closed());

      return withCode.submit({
        clientAddress, flowKey: `password-reset:${row.runId}`, proof: proofOf(row), password: newPassword,
        pending: { runId: row.runId, codeHmac: hmac, accountId: row.accountId, ttlMs: settings.ttlMs },
        verify: () => verifyWhenReady(row, handle, code),
        // Not at awaiting_code any more, or closed: perhaps because this very code was verified by an attempt whose
        // answer was lost. `complete` takes only a code the run emailed, so it decides.
        perhapsVerifiedBefore: (err) => err instanceof AppError && (err.code === RESET_ERRORS.invalidStep || err.code === RESET_ERRORS.closed),
        finish: (refusal) => finish(row, handle, hmac, refusal),
        // The account was deleted during the request: there is nothing left to reset.
        gone: closed,
      });
    },
  };
}
export type PasswordResets = ReturnType<typeof createPasswordResets>;
