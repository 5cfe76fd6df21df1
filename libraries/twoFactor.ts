import type { Sql } from '../db/client';
import { findAccountCredentials } from '../db/queries/accounts';
import { appendAudit } from '../db/queries/audit';
import {
  acceptTotpStep, activateEnrolment, consumeChallenge, countUnusedRecoveryCodes, deleteExpiredChallenges, disableTwoFactor,
  findEnabledMethod, findTwoFactor, giveBackChallengeAttempt, insertChallenge, resealSecret, startEnrolment,
  takeChallengeAttempt, useRecoveryCode, type TwoFactorMethod, type TwoFactorRow,
} from '../db/queries/twoFactor';
import { AppError, retryLater } from '../lib/errors';
import type { DerivedKeys } from '../lib/keys';
import { verifyPassword } from '../lib/passwords';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from '../lib/recoveryCodes';
import { createSecretBox } from '../lib/secretBox';
import { enrolment, matchingStep, newTotpSecret, TOTP_DIGITS } from '../lib/totp';
import { createBudgets, type BudgetName } from './budgets';
import { WRONG_CURRENT_PASSWORD } from './passwordChange';
import { assertPasswordManagedHere } from './passwordRules';
import type { SessionPrincipal } from './principal';
import type { Sessions } from './sessions';
import type { SignInThrottle } from './signInThrottle';

export type { TwoFactorMethod };

/** An authenticator-app enrolment waits this long for its first code. */
export const ENROLMENT_TTL_MS = 10 * 60_000;
/** Between a right password and the second factor: a challenge lives 5 minutes… */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** …and takes 5 codes, as every code flow does; the account's durable budget caps them across challenges. */
export const CHALLENGE_ATTEMPTS = 5;

export interface TwoFactorStatus {
  enabled: boolean;
  method: TwoFactorMethod | null;
  enabledAt: string | null;
  /** Unused recovery codes, while 2FA is on. */
  recoveryCodesLeft: number | null;
}

/** What `POST /v1/sessions` answers instead of a session when the account has 2FA on. */
export interface SecondFactorRequired {
  secondFactorRequired: true;
  challengeId: string;
  expiresAt: string;
  method: TwoFactorMethod;
}

const OFF: TwoFactorStatus = { enabled: false, method: null, enabledAt: null, recoveryCodesLeft: null };

const notEnabled = () => new AppError(404, 'two_factor.not_enabled', 'Two-factor authentication is not on for this account');
const alreadyEnabled = () =>
  new AppError(409, 'two_factor.already_enabled', 'Two-factor authentication is already on; deactivate it before enrolling again');
const noEnrolment = () =>
  new AppError(409, 'two_factor.no_enrolment', 'No authenticator app is being enrolled (or the enrolment expired): start with POST /v1/developer-settings/2fa/totp');
const challengeNotFound = () =>
  new AppError(404, 'two_factor.challenge_not_found', 'The sign-in challenge is unknown, expired, used or out of attempts: sign in again');

type Factor = 'totp' | 'recovery_code';

/**
 * Two-factor authentication (README "Two-factor authentication", User Settings §5.1): the signed-in
 * account's status, enrolling and activating an authenticator app, deactivating, and the second step of
 * sign-in. TOTP secrets are sealed with AES-256-GCM under the `totp-encryption` subkey, recovery codes
 * stored as HMACs under the `recovery-code-pepper` subkey; `previousKeys` (HMAC_SECRET_PREVIOUS) still
 * open and match what was made before a rotation.
 */
export function createTwoFactor(
  { sql, keys, previousKeys, throttle }:
  {
    sql: Sql;
    keys: Pick<DerivedKeys, 'keyId' | 'totpEncryption' | 'recoveryCodePepper'>;
    previousKeys?: Pick<DerivedKeys, 'keyId' | 'totpEncryption' | 'recoveryCodePepper'>;
    throttle: SignInThrottle;
  },
) {
  const box = createSecretBox(
    { id: keys.keyId, key: keys.totpEncryption },
    previousKeys ? [{ id: previousKeys.keyId, key: previousKeys.totpEncryption }] : [],
  );
  const peppers = [keys.recoveryCodePepper, ...(previousKeys ? [previousKeys.recoveryCodePepper] : [])];
  const budgets = createBudgets(sql);
  /** Binds a sealed secret to its row: moved to another account, it does not open. */
  const context = (accountId: string) => `totp-secret/${accountId}`;

  /**
   * Opens a stored secret; one sealed under a previous key is sealed again under the current one. Answers
   * the secret and its stored form as it now is.
   */
  async function openSecret(accountId: string, row: TwoFactorRow): Promise<{ secret: Buffer; sealed: Buffer }> {
    const stored = { keyId: row.keyId!, sealed: row.secretSealed! };
    // A secret no configured key opens throws (SecretBoxError): an operator's problem, answered 500 and logged.
    const { plaintext, stale } = box.open(stored, context(accountId));
    if (!stale) return { secret: plaintext, sealed: stored.sealed };
    const again = box.seal(plaintext, context(accountId));
    await resealSecret(sql, { accountId, fromKeyId: stored.keyId, fromSealed: stored.sealed, keyId: again.keyId, secretSealed: again.sealed });
    return { secret: plaintext, sealed: again.sealed };
  }

  /**
   * Charges one attempt to the durable code budgets, as every code flow does (libraries/verification.ts):
   * the account as subject, and the signed-in actor if any. A right code gives the points back.
   */
  async function spend(accountId: string, actorAccountId: string | null): Promise<() => Promise<void>> {
    const charges: [BudgetName, string][] = [['codeProofsPerSubject', `account:${accountId}`]];
    if (actorAccountId) charges.push(['codeProofsPerActor', actorAccountId]);
    const spent: [BudgetName, string][] = [];
    const refund = async () => {
      for (const [name, subject] of spent) await budgets.refund(name, subject);
    };
    for (const [name, subject] of charges) {
      const r = await budgets.spend(name, subject);
      if (!r.allowed) {
        await refund();
        await appendAudit(sql, {
          actorAccountId, action: 'verification_code.budget_exhausted', subjectType: 'account', subjectId: accountId, details: { budget: name, purpose: 'two-factor' },
        });
        throw retryLater(429, 'verification_code.too_many_attempts', 'Too many wrong codes recently; try again later', r.retryAfterMs);
      }
      spent.push([name, subject]);
    }
    return refund;
  }

  async function status(accountId: string): Promise<TwoFactorStatus> {
    const row = await findTwoFactor(sql, accountId);
    if (!row?.enabledAt) return OFF;
    return { enabled: true, method: row.method, enabledAt: row.enabledAt.toISOString(), recoveryCodesLeft: await countUnusedRecoveryCodes(sql, accountId) };
  }

  /**
   * Checks a second-factor code for an account with 2FA on: a 6-digit TOTP, whose time step is accepted
   * once (no replay within its window), or an unused recovery code, which is used up.
   */
  async function checkCode(accountId: string, code: string): Promise<{ ok: true; factor: Factor; recoveryCodesLeft?: number } | { ok: false; reused?: true }> {
    if (new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code)) {
      const row = await findTwoFactor(sql, accountId);
      if (!row?.enabledAt || row.method !== 'authenticator_app') return { ok: false };
      const step = matchingStep((await openSecret(accountId, row)).secret, code);
      if (step === undefined) return { ok: false };
      return (await acceptTotpStep(sql, accountId, step)) ? { ok: true, factor: 'totp' } : { ok: false, reused: true };
    }
    if (!normalizeRecoveryCode(code)) return { ok: false };
    const left = await useRecoveryCode(sql, accountId, peppers.map((p) => hashRecoveryCode(p, code)));
    return left === undefined ? { ok: false } : { ok: true, factor: 'recovery_code', recoveryCodesLeft: left };
  }

  return {
    /** Any credential of the account may read it (`developer-settings:read`): it holds no secret. */
    status: (auth: { accountId: string }) => status(auth.accountId),

    /**
     * Starts enrolling an authenticator app: a new secret, sealed and stored (not yet on), and what the
     * app needs, shown this once. Restarting replaces the pending secret. Refused while 2FA is on (409)
     * and for SSO accounts (409 `account.sso_managed`: their sign-in, 2FA included, is the identity provider's).
     */
    async enrol(auth: SessionPrincipal) {
      const account = await findAccountCredentials(sql, auth.accountId);
      if (!account) throw new AppError(401, 'auth.unauthenticated', 'A valid session token is required');
      assertPasswordManagedHere(account);
      const secret = newTotpSecret();
      const sealed = box.seal(secret, context(account.id));
      const expiresAt = new Date(Date.now() + ENROLMENT_TTL_MS);
      if (!(await startEnrolment(sql, { accountId: account.id, keyId: sealed.keyId, secretSealed: sealed.sealed, expiresAt }))) throw alreadyEnabled();
      const app = await enrolment(secret, account.email);
      return { otpauthUri: app.uri, secret: app.secret, qrCode: app.qrCode, expiresAt: expiresAt.toISOString() };
    },

    /**
     * Turns the enrolment on with a current code from the app: records the code's time step (so it cannot
     * sign in too), issues 10 recovery codes, shown this once and stored as HMACs, and audits
     * `two_factor.enabled`. Wrong codes spend the durable code budgets (429 past them).
     */
    async activate(auth: SessionPrincipal, code: string) {
      const row = await findTwoFactor(sql, auth.accountId);
      if (row?.enabledAt) throw alreadyEnabled();
      if (!row || row.method !== 'authenticator_app' || !row.enrolmentExpiresAt || row.enrolmentExpiresAt.getTime() <= Date.now()) throw noEnrolment();
      const refund = await spend(auth.accountId, auth.accountId);
      const { secret, sealed } = await openSecret(auth.accountId, row);
      const step = matchingStep(secret, code);
      if (step === undefined) {
        await appendAudit(sql, {
          actorAccountId: auth.accountId, action: 'verification_code.wrong', subjectType: 'account', subjectId: auth.accountId, details: { purpose: 'two-factor-activation' },
        });
        throw new AppError(422, 'two_factor.wrong_code', 'The code is wrong: type the code the app shows now (and check the phone\'s clock)');
      }
      await refund();
      const recoveryCodes = newRecoveryCodes();
      const enabledAt = await sql.begin(async (tx) => {
        // Only the secret the code was checked against: a restarted enrolment meanwhile is not turned on by it.
        const when = await activateEnrolment(tx, {
          accountId: auth.accountId, secretSealed: sealed, step, recoveryCodeHashes: recoveryCodes.map((c) => hashRecoveryCode(keys.recoveryCodePepper, c)),
        });
        if (when) {
          await appendAudit(tx, {
            actorAccountId: auth.accountId, action: 'two_factor.enabled', subjectType: 'account', subjectId: auth.accountId,
            details: { method: 'authenticator_app', sessionId: auth.sessionId, recoveryCodes: recoveryCodes.length },
          });
        }
        return when;
      });
      // Another request finished (or restarted) the enrolment meanwhile.
      if (!enabledAt) throw noEnrolment();
      return { enabled: true as const, method: 'authenticator_app' as const, enabledAt: enabledAt.toISOString(), recoveryCodes };
    },

    /**
     * Turns 2FA off, whatever its method, given the current password, verified under the sign-in throttle
     * on the same counters as sign-in (429 `auth.too_many_attempts`; a wrong one is 403
     * `account.wrong_current_password`). Deletes the secret, the recovery codes and open sign-in
     * challenges, and audits `two_factor.disabled`.
     */
    async deactivate(auth: SessionPrincipal, password: string, address: string): Promise<TwoFactorStatus> {
      if (!(await findEnabledMethod(sql, auth.accountId))) throw notEnabled();
      const account = await findAccountCredentials(sql, auth.accountId);
      if (!account) throw new AppError(401, 'auth.unauthenticated', 'A valid session token is required');
      const reservation = await throttle.reserve(account.email, address).catch(async (err: unknown) => {
        await appendAudit(sql, { actorAccountId: auth.accountId, action: 'auth.throttled', subjectType: 'address', subjectId: address, details: {} });
        throw err;
      });
      const { ok } = await verifyPassword(account.passwordHash, password);
      if (!ok) {
        // The reserved failure stays counted, as for a wrong sign-in.
        await appendAudit(sql, {
          actorAccountId: auth.accountId, action: 'two_factor.disable_failed', subjectType: 'account', subjectId: account.id, details: { address, sessionId: auth.sessionId },
        });
        throw new AppError(403, WRONG_CURRENT_PASSWORD, 'The password is wrong');
      }
      await reservation.succeeded();
      const method = await sql.begin(async (tx) => {
        const was = await disableTwoFactor(tx, account.id);
        if (was) {
          await appendAudit(tx, {
            actorAccountId: auth.accountId, action: 'two_factor.disabled', subjectType: 'account', subjectId: account.id, details: { method: was, sessionId: auth.sessionId },
          });
        }
        return was;
      });
      // Turned off by another request meanwhile.
      if (!method) throw notEnabled();
      return OFF;
    },

    /**
     * The sign-in gate (libraries/sessions.ts): after a right password, a challenge when the account has
     * 2FA on, and no session yet. Each challenge sweeps a few expired ones away.
     */
    gate: {
      async challengeFor(accountId: string): Promise<SecondFactorRequired | undefined> {
        const method = await findEnabledMethod(sql, accountId);
        if (!method) return undefined;
        await deleteExpiredChallenges(sql);
        const c = await insertChallenge(sql, { accountId, attempts: CHALLENGE_ATTEMPTS, expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS) });
        await appendAudit(sql, { actorAccountId: null, action: 'auth.second_factor_required', subjectType: 'account', subjectId: accountId, details: { challengeId: c.id, method } });
        return { secondFactorRequired: true, challengeId: c.id, expiresAt: c.expiresAt.toISOString(), method };
      },
    },

    /**
     * The second step of sign-in: a TOTP or a recovery code for a live challenge. Spends one of the
     * challenge's 5 attempts and a point of the account's durable code budget (10 a day, given back when
     * the code is right). Answers the account to open a session for, and which factor proved it.
     */
    async verifyChallenge(challengeId: string, code: string): Promise<{ accountId: string; profileId: string; factor: Factor }> {
      const attempt = await takeChallengeAttempt(sql, challengeId);
      if (!attempt) throw challengeNotFound();
      const { accountId } = attempt;
      if (attempt.status !== 'active') {
        await consumeChallenge(sql, challengeId);
        throw new AppError(403, 'auth.account_deactivated', 'This account is deactivated');
      }
      let refund: () => Promise<void>;
      try {
        refund = await spend(accountId, null);
      } catch (err) {
        await giveBackChallengeAttempt(sql, challengeId);
        throw err;
      }
      const r = await checkCode(accountId, code);
      if (r.ok) {
        await refund();
        // One session per challenge: a second right code for it (a recovery code racing a TOTP) finds it gone.
        if (!(await consumeChallenge(sql, challengeId))) throw challengeNotFound();
        if (r.factor === 'recovery_code') {
          await appendAudit(sql, {
            actorAccountId: accountId, action: 'two_factor.recovery_code_used', subjectType: 'account', subjectId: accountId,
            details: { challengeId, recoveryCodesLeft: r.recoveryCodesLeft ?? 0 },
          });
        }
        return { accountId, profileId: attempt.profileId, factor: r.factor };
      }
      const { attemptsLeft } = attempt;
      const verdict = attemptsLeft === 0 ? 'exhausted' : 'wrong';
      await appendAudit(sql, {
        actorAccountId: null, action: `verification_code.${verdict}`, subjectType: 'account', subjectId: accountId,
        details: { purpose: 'second-factor', challengeId, attemptsLeft, ...(r.reused ? { reused: true } : {}) },
      });
      if (attemptsLeft === 0) throw new AppError(422, 'verification_code.attempts_exhausted', 'Too many wrong codes: sign in again', { fields: { attemptsLeft } });
      if (r.reused) throw new AppError(422, 'two_factor.code_already_used', 'This code was already used: wait for the app\'s next code', { fields: { attemptsLeft } });
      throw new AppError(422, 'verification_code.invalid', 'The code is wrong', { fields: { attemptsLeft } });
    },
  };
}
export type TwoFactor = ReturnType<typeof createTwoFactor>;

/** `POST /v1/sessions/second-factor`: the right second factor for a challenge opens the session. */
export function createSecondFactorSignIn({ twoFactor, sessions }: { twoFactor: TwoFactor; sessions: Sessions }) {
  return {
    async complete(challengeId: string, code: string) {
      const { accountId, profileId, factor } = await twoFactor.verifyChallenge(challengeId, code);
      return sessions.openSession({ id: accountId, profileId }, { secondFactor: factor, challengeId });
    },
  };
}
export type SecondFactorSignIn = ReturnType<typeof createSecondFactorSignIn>;
