import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Sql } from '../../db/client';
import { violatedConstraint } from '../../db/errors';
import { findAccountByEmail } from '../../db/queries/accounts';
import {
  bindCreationToRun, closeCreation, countOpenCreationsOfRun, discardCreation, findCreation, markCreationVerified, openCreation,
  type CreationKind, type CreationRecord,
} from '../../db/queries/accountCreations';
import { appendAudit } from '../../db/queries/audit';
import { hmacHex } from '../../lib/crypto';
import { AppError, notFound, retryLater } from '../../lib/errors';
import { hashPassword } from '../../lib/passwords';
import {
  AccountCreationFailure, accountCreationCodeUpdates, accountCreationStatusQuery, cancelAccountCreationUpdate, createAccountUpdate,
  isTerminalCreationStep, type AccountCreationStatus, type AccountCreationStep,
} from '../../workflows/shared/accountCreationContract';
import { DEFAULT_CHALLENGE_POLICY, type ChallengePolicy } from '../../workflows/shared/codeChallenge';
import { FailureType } from '../../workflows/shared/failures';
import { updateIds, workflowIds } from '../../workflows/shared/ids';
import { consume, durableLimiter } from '../budgets';
import { assertAcceptablePassword } from '../passwordRules';
import type { Principal } from '../principal';
import type { FlowErrors } from '../temporalErrors';
import type { CodeFlows } from '../verification';
import { startCreateAccountWorkflow, type CreateAccountHandle } from './workflow';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Who asks: a visitor signing up (by client address, for the start budget), or a signed-in person. */
export type Requester = { kind: 'sign-up'; clientAddress: string } | { kind: 'account-creation'; auth: Principal };

export interface AccountCreationSettings {
  taskQueue: string;
  /** ACCOUNT_CREATION_TTL_SECONDS: an abandoned request (and its pending password hash) goes after this. */
  ttlMs: number;
  challenge?: ChallengePolicy;
  /** How long a verified run waits for its creation (the verifying request asks at once); default 1 min. */
  createWithinMs?: number;
}

/** How many requests may be started: durable, in Postgres, like every budget (README "Security"). */
export const ACCOUNT_CREATION_BUDGETS = {
  /** Account creations one signed-in account may start. */
  startsPerAccount: { limit: 20, windowSeconds: 24 * 3600 },
  /** Sign-ups one client address may start: each sends a code to an address of the caller's choice. */
  signUpsPerClientAddress: { limit: 30, windowSeconds: 3600 },
} as const;

export interface StartRequest {
  email: string;
  password: string;
  marketingOptIn: boolean;
}

/** The step a request shows: a run is shared by every request for its address, its outcome is not. */
export function requestStep(
  rec: Pick<CreationRecord, 'closedAt' | 'outcome' | 'failureReason' | 'verifiedAt' | 'runId'>,
  run: Pick<AccountCreationStatus, 'step' | 'failureReason'> | undefined,
): { step: AccountCreationStep; failureReason: string | null; racing: boolean } {
  if (rec.closedAt && rec.outcome) return { step: rec.outcome, failureReason: rec.failureReason, racing: false };
  // Never bound to a run (its start failed or its process died): nothing will happen to it.
  if (!run) return { step: 'expired', failureReason: null, racing: false };
  // Past the code, the run belongs to the request whose code was verified; every other one was overtaken.
  const pastCode = run.step !== 'awaiting_code' && !(run.step === 'failed' && run.failureReason === FailureType.AttemptsExhausted)
    && !(run.step === 'cancelled' || run.step === 'expired');
  if (pastCode && !rec.verifiedAt) return { step: 'expired', failureReason: null, racing: false };
  return { step: run.step, failureReason: run.failureReason, racing: true };
}

/**
 * Sign-up and account creation as the API offers them (User Settings §3.3). One `createAccount` run per
 * address; each request (each POST) is a row with its own unguessable id and its own pending account, and
 * only the request whose code is verified creates its account. The rows are written here when a request
 * opens and closed here when its owner cancels it; the run closes the rest.
 */
export function createAccountCreationService(
  { sql, temporal, codeFlows, addressKey, settings }:
  { sql: Sql; temporal: Client; codeFlows: CodeFlows; addressKey: Buffer; settings: AccountCreationSettings },
) {
  const challenge = settings.challenge ?? DEFAULT_CHALLENGE_POLICY;
  const createWithinMs = settings.createWithinMs ?? 60_000;
  const limiters = {
    startsPerAccount: durableLimiter(sql, 'accountCreationStartsPerAccount', ACCOUNT_CREATION_BUDGETS.startsPerAccount.limit, ACCOUNT_CREATION_BUDGETS.startsPerAccount.windowSeconds),
    signUpsPerClientAddress: durableLimiter(sql, 'signUpStartsPerClientAddress', ACCOUNT_CREATION_BUDGETS.signUpsPerClientAddress.limit, ACCOUNT_CREATION_BUDGETS.signUpsPerClientAddress.windowSeconds),
  };

  const kindOf = (r: Requester): CreationKind => r.kind;
  const prefix = (kind: CreationKind) => (kind === 'sign-up' ? 'sign_up' : 'account_creation');
  const what = (kind: CreationKind) => (kind === 'sign-up' ? 'sign-up' : 'account creation');
  const handleOf = (rec: CreationRecord): CreateAccountHandle => temporal.workflow.getHandle(rec.workflowId, rec.runId ?? undefined);
  const closedError = (kind: CreationKind, outcome?: string | null) =>
    new AppError(409, `${prefix(kind)}.closed`, `This ${what(kind)} is already ${outcome ?? 'closed'}`);
  const flowErrors = (rec: CreationRecord): FlowErrors => ({
    invalidStep: `${prefix(rec.kind)}.invalid_step`,
    unknownRecipient: `${prefix(rec.kind)}.address_gone`,
    closed: () => closedError(rec.kind, rec.outcome),
  });

  async function record(r: Requester, id: string): Promise<CreationRecord> {
    const rec = await findCreation(sql, id, r.kind === 'sign-up' ? { kind: 'sign-up' } : { kind: 'account-creation', profileId: r.auth.profileId });
    if (!rec) throw notFound(`${prefix(r.kind)}.not_found`, `No such ${what(r.kind)}`);
    return rec;
  }

  async function view(rec: CreationRecord, known?: AccountCreationStatus) {
    let s = known;
    if (!s && !rec.closedAt && rec.runId) s = await codeFlows.call(() => handleOf(rec).query(accountCreationStatusQuery)).catch(() => undefined);
    if (!s && !rec.closedAt && rec.runId) {
      throw retryLater(503, `${prefix(rec.kind)}.state_unavailable`, `The ${what(rec.kind)} state is unavailable right now; try again shortly`, 5_000);
    }
    const { step, failureReason, racing } = requestStep(rec, s);
    const shown = racing ? s : undefined;
    return {
      id: rec.id,
      step,
      outcome: isTerminalCreationStep(step) ? step : null,
      expiresAt: iso(shown?.expiresAt ?? rec.expiresAt.getTime())!,
      attemptsLeft: shown?.attemptsLeft ?? null,
      codeExpiresAt: iso(shown?.codeExpiresAt ?? null),
      resendAvailableAt: iso(shown?.resendAvailableAt ?? null),
      failureReason,
      accountId: rec.createdAccountId ?? (step === 'completed' ? (shown?.accountId ?? null) : null),
    };
  }
  type View = Awaited<ReturnType<typeof view>>;

  async function spendStart(r: Requester): Promise<void> {
    const [limiter, key] = r.kind === 'sign-up'
      ? [limiters.signUpsPerClientAddress, r.clientAddress]
      : [limiters.startsPerAccount, r.auth.accountId];
    const spent = await consume(limiter, key);
    if (!spent.allowed) {
      throw retryLater(429, `${prefix(r.kind)}.too_many_starts`, `Too many ${what(r.kind)}s started recently; try again later`, spent.retryAfterMs);
    }
  }

  /** Closes a request its caller never got (the code could not be sent), and the run too if nobody else is on it. */
  async function abandon(rec: CreationRecord): Promise<void> {
    await closeCreation(sql, rec.id, 'failed');
    if (rec.runId && (await countOpenCreationsOfRun(sql, rec.workflowId, rec.runId)) === 0) {
      await codeFlows.update(flowErrors(rec), () => handleOf(rec).executeUpdate(cancelAccountCreationUpdate, { updateId: updateIds.cancel }))
        .catch(() => undefined); // best effort: an unattended run expires anyway
    }
  }

  /**
   * Starts the address's run or joins the one running, binds the request to it, and sends a code. A code
   * sent less than the resend interval ago is not sent again: it is in the mailbox and works for this
   * request too. Answers undefined when the run closed between the start and the code (start again).
   */
  async function startOrJoin(rec: CreationRecord, pendingAddressId: string): Promise<{ status?: AccountCreationStatus } | undefined> {
    let started;
    try {
      started = await codeFlows.call(() => startCreateAccountWorkflow(temporal, {
        taskQueue: settings.taskQueue,
        workflowId: rec.workflowId,
        profileId: rec.profileId,
        input: { kind: rec.kind, pendingAddressId, ttlMs: settings.ttlMs, createWithinMs, challenge },
      }));
    } catch (err) {
      // Never bound to a run: nothing else would remove its pending rows.
      await discardCreation(sql, rec.id).catch(() => undefined);
      throw err;
    }
    const { runId, handle } = started;
    rec.runId = runId;
    // Bound before anything else: from now on the run's close cleans this request up, whatever happens here.
    await bindCreationToRun(sql, rec.id, runId, rec.expiresAt);
    const errors = flowErrors(rec);
    try {
      const sent = await codeFlows.requestCode(handle, accountCreationCodeUpdates, {}, errors);
      await bindCreationToRun(sql, rec.id, runId, new Date(sent.status.expiresAt));
      return { status: sent.status };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === `${prefix(rec.kind)}.closed`) {
        // The run closed after it had cleaned up: this request was never given out, so it goes entirely.
        await discardCreation(sql, rec.id);
        return undefined;
      }
      // Joined a run that sent a code moments ago, or one past its code (another request verified): the
      // request is bound all the same, and its status tells which.
      if (err.code === 'verification_code.resend_too_soon' || err.code === errors.invalidStep || err.code === errors.unknownRecipient) {
        const status = await codeFlows.call(() => handle.query(accountCreationStatusQuery)).catch(() => undefined);
        if (status && isTerminalCreationStep(status.step)) {
          // The run has ended and is closing (cancelled, failed, completed a moment ago): wait for it to close,
          // then this request starts the next one.
          await codeFlows.call(() => handle.result()).catch(() => undefined);
          await discardCreation(sql, rec.id);
          return undefined;
        }
        if (status) await bindCreationToRun(sql, rec.id, runId, new Date(status.expiresAt));
        return status ? { status } : {};
      }
      await abandon(rec);
      throw err;
    }
  }

  return {
    /**
     * A visitor signs up (`requester.kind = sign-up`) or a signed-in person adds an account to their profile.
     * The password is checked against the policy and hashed here, before anything is stored or started; the
     * run learns only ids. A signed-in request for an address that has an account is refused (409); a
     * sign-up is not: whether an address has an account is told only to whoever verifies its code.
     */
    async start(r: Requester, body: StartRequest): Promise<View> {
      const kind = kindOf(r);
      assertAcceptablePassword(body.password, { email: body.email });
      if (r.kind === 'account-creation' && (await findAccountByEmail(sql, body.email))) {
        throw new AppError(409, 'account.email_taken', 'An account with this email already exists');
      }
      await spendStart(r);
      const passwordHash = await hashPassword(body.password);
      const addressHmac = hmacHex(addressKey, body.email.toLowerCase());
      const workflowId = kind === 'sign-up' ? workflowIds.signUp(addressHmac) : workflowIds.accountCreation(addressHmac);
      const profileId = r.kind === 'account-creation' ? r.auth.profileId : null;
      const actor = r.kind === 'account-creation' ? r.auth.accountId : null;
      const owner = r.kind === 'sign-up' ? { kind: 'sign-up' as const } : { kind: 'account-creation' as const, profileId: profileId! };
      // Twice at most: a run that closed just as this request joined it is replaced by a new one.
      for (let attempt = 0; ; attempt++) {
        const id = randomUUID();
        const { pendingAddressId } = await openCreation(sql, {
          id, kind, workflowId, addressHmac, profileId, startedByAccountId: actor,
          address: body.email, passwordHash, marketingOptIn: body.marketingOptIn, ttlMs: settings.ttlMs,
        });
        const rec = (await findCreation(sql, id, owner))!;
        const joined = await startOrJoin(rec, pendingAddressId);
        if (!joined) {
          if (attempt === 0) continue;
          throw new AppError(409, `${prefix(kind)}.closed`, 'The request could not be started; try again');
        }
        await appendAudit(sql, {
          actorAccountId: actor, action: `${prefix(kind)}.started`, subjectType: 'address', subjectId: addressHmac,
          details: { creationId: id, workflowId },
        });
        return view((await findCreation(sql, id, owner))!, joined.status);
      }
    },

    async status(r: Requester, id: string): Promise<View> {
      return view(await record(r, id));
    },

    async requestCode(r: Requester, id: string) {
      const rec = await record(r, id);
      if (rec.closedAt || !rec.runId) throw closedError(rec.kind, rec.outcome);
      const sent = await codeFlows.requestCode(handleOf(rec), accountCreationCodeUpdates, {}, flowErrors(rec));
      return { step: 'awaiting_code' as const, codeExpiresAt: iso(sent.codeExpiresAt)!, resendAvailableAt: iso(sent.resendAvailableAt)! };
    },

    /**
     * Checks the code (the kit: HMAC, budgets of the address and of the signed-in account, audit), marks this
     * request as the one that proved the address, and asks the run to create its account, answering once it
     * exists. A retry by the request that verified (its answer was lost) asks again and gets the same account.
     */
    async verify(r: Requester, id: string, code: string): Promise<View> {
      const rec = await record(r, id);
      if (rec.closedAt) {
        // Repeating a verification that created the account is answered, not refused.
        if (rec.outcome === 'completed') return view(rec);
        throw closedError(rec.kind, rec.outcome);
      }
      if (!rec.runId) throw closedError(rec.kind);
      const handle = handleOf(rec);
      const errors = flowErrors(rec);
      if (!rec.verifiedAt) {
        await codeFlows.verify(
          handle, accountCreationCodeUpdates, code,
          { subjectType: 'address', subjectId: rec.addressHmac, actorAccountId: r.kind === 'account-creation' ? r.auth.accountId : null },
          errors,
        );
        const marked = await markCreationVerified(sql, rec.id).catch((err: unknown) => {
          if (violatedConstraint(err) === 'account_creations__one_verified__unique') return false;
          throw err;
        });
        if (!marked) throw closedError(rec.kind);
        rec.verifiedAt = new Date();
      }
      const done = await codeFlows.update(errors, () =>
        handle.executeUpdate(createAccountUpdate, { args: [{ creationId: rec.id }], updateId: updateIds.create }));
      if (done.step !== 'completed') {
        const reason = done.status.failureReason;
        if (reason === AccountCreationFailure.EmailTaken) {
          throw new AppError(409, 'account.email_taken', 'This email address has an account already: sign in, or reset its password');
        }
        if (reason === FailureType.ProfileGone) throw new AppError(409, `${prefix(rec.kind)}.profile_gone`, 'Your profile changed meanwhile (merged or removed)');
        throw closedError(rec.kind, 'failed');
      }
      return view({ ...rec, outcome: 'completed', closedAt: new Date(), createdAccountId: done.status.accountId }, done.status);
    },

    /**
     * Cancels this request: its pending account goes at once. The run is cancelled too when no other request
     * for the address is open; otherwise it goes on for them. A repeated cancel answers the cancelled request.
     */
    async cancel(r: Requester, id: string): Promise<View> {
      const rec = await record(r, id);
      if (rec.closedAt) {
        if (rec.outcome === 'cancelled') return view(rec);
        throw closedError(rec.kind, rec.outcome);
      }
      if (rec.verifiedAt) throw new AppError(409, `${prefix(rec.kind)}.invalid_step`, 'The account is being created; it can no longer be cancelled');
      const closed = (await closeCreation(sql, rec.id, 'cancelled'))!;
      if (rec.runId && (await countOpenCreationsOfRun(sql, rec.workflowId, rec.runId)) === 0) {
        await codeFlows.update(flowErrors(rec), () => handleOf(rec).executeUpdate(cancelAccountCreationUpdate, { updateId: updateIds.cancel }))
          .catch((err: unknown) => {
            // Already past cancelling (another request verified) or closed: the run ends on its own.
            if (err instanceof AppError && (err.code === `${prefix(rec.kind)}.invalid_step` || err.code === `${prefix(rec.kind)}.closed`)) return undefined;
            throw err;
          });
      }
      await appendAudit(sql, {
        actorAccountId: r.kind === 'account-creation' ? r.auth.accountId : null, action: `${prefix(rec.kind)}.cancelled`,
        subjectType: 'address', subjectId: rec.addressHmac, details: { creationId: rec.id },
      });
      return view(closed);
    },
  };
}
export type AccountCreationService = ReturnType<typeof createAccountCreationService>;
