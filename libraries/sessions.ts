import type { Sql } from '../db/client';
import { findAccountForSignIn, recordSignIn, updatePasswordHash } from '../db/queries/accounts';
import { appendAudit } from '../db/queries/audit';
import { findLiveSession, insertSession, revokeAccountSessions, revokeSession } from '../db/queries/sessions';
import { newToken, sha256 } from '../lib/crypto';
import { AppError } from '../lib/errors';
import { hashPassword, verifyPassword } from '../lib/passwords';
import { isPasswordExpired } from './passwordExpiry';
import { sessionPrincipal, type SessionPrincipal } from './principal';
import type { SignInThrottle } from './signInThrottle';
import type { SecondFactorRequired } from './twoFactor';

/**
 * After a right password: a second step instead of a session when the account has 2FA on
 * (libraries/twoFactor.ts); undefined to open the session at once.
 */
export interface SecondFactorGate {
  challengeFor(accountId: string): Promise<SecondFactorRequired | undefined>;
}

/** Sign-in, sign-out and session lookup: the rules of a session, whatever transport asks. */
export function createSessions(
  { sql, throttle, sessionTtlMs, sessionIdleSeconds, secondFactor }:
  { sql: Sql; throttle: SignInThrottle; sessionTtlMs: number; sessionIdleSeconds: number; secondFactor?: SecondFactorGate },
) {
  /**
   * Opens a session for an account that proved every factor it has, records the sign-in and audits
   * `session.created` (`details`: how it was proven, ids only).
   */
  async function openSession(account: { id: string; profileId: string }, details: Record<string, string> = {}) {
    const token = newToken();
    const session = await insertSession(sql, { accountId: account.id, tokenHash: sha256(token), expiresAt: new Date(Date.now() + sessionTtlMs) });
    await recordSignIn(sql, account.id);
    // An expired password still signs in, to a session that can only change it (authenticate() below).
    const passwordExpired = await isPasswordExpired(sql, account.id);
    await appendAudit(sql, {
      actorAccountId: account.id, action: 'session.created', subjectType: 'account', subjectId: account.id,
      details: { sessionId: session.id, ...details, ...(passwordExpired ? { passwordExpired } : {}) },
    });
    return { token, accountId: account.id, profileId: account.profileId, expiresAt: session.expiresAt.toISOString(), passwordExpired };
  }

  return {
    openSession,

    /**
     * Checks the password under the throttle, upgrades an outdated hash, and opens a session (audited), or,
     * with 2FA on, answers a second-factor challenge instead. A wrong password and an unknown email get the
     * same answer in about the same time.
     */
    async signIn(email: string, password: string, address: string) {
      const reservation = await throttle.reserve(email, address).catch(async (err: unknown) => {
        await appendAudit(sql, { actorAccountId: null, action: 'auth.throttled', subjectType: 'address', subjectId: address, details: {} });
        throw err;
      });
      const account = await findAccountForSignIn(sql, email);
      const { ok, needsRehash } = await verifyPassword(account?.passwordHash, password);
      if (!account || !ok) {
        // The reserved failure stays counted. Only known accounts are audited: an unknown email is no subject.
        if (account) {
          await appendAudit(sql, { actorAccountId: null, action: 'auth.signin_failed', subjectType: 'account', subjectId: account.id, details: { address } });
        }
        throw new AppError(401, 'auth.invalid_credentials', 'Wrong email or password');
      }
      await reservation.succeeded();
      // Only someone who knows the password learns that the account is deactivated.
      if (account.status !== 'active') throw new AppError(403, 'auth.account_deactivated', 'This account is deactivated');

      if (needsRehash) await updatePasswordHash(sql, account.id, await hashPassword(password));
      // With 2FA on, the right password opens no session yet: the second factor does (POST /v1/sessions/second-factor).
      const challenge = await secondFactor?.challengeFor(account.id);
      if (challenge) return challenge;
      return openSession(account);
    },

    async signOut(auth: SessionPrincipal): Promise<void> {
      await revokeSession(sql, auth.sessionId);
      await appendAudit(sql, { actorAccountId: auth.accountId, action: 'session.revoked', subjectType: 'account', subjectId: auth.accountId, details: { sessionId: auth.sessionId } });
    },

    /** Ends every session of the signed-in account, this one included. */
    async signOutEverywhere(auth: SessionPrincipal): Promise<void> {
      const ended = await revokeAccountSessions(sql, [auth.accountId]);
      await appendAudit(sql, { actorAccountId: auth.accountId, action: 'session.revoked_all', subjectType: 'account', subjectId: auth.accountId, details: { sessions: ended } });
    },

    /**
     * The principal of a bearer token, looked up by hash only; undefined when it is not a live session.
     * Whether the password has expired is decided now, on every request: a session outliving the expiry
     * becomes restricted, and a changed password or a longer policy frees it at once.
     */
    async authenticate(token: string): Promise<SessionPrincipal | undefined> {
      const session = await findLiveSession(sql, sha256(token), sessionIdleSeconds);
      if (!session) return undefined;
      return sessionPrincipal(session.sessionId, session, await isPasswordExpired(sql, session.accountId));
    },
  };
}
export type Sessions = ReturnType<typeof createSessions>;
