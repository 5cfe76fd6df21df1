import type { Sql } from '../db/client';
import { findAccountForSignIn, recordSignIn, updatePasswordHash } from '../db/queries/accounts';
import { appendAudit } from '../db/queries/audit';
import { findLiveSession, insertSession, revokeAccountSessions, revokeSession } from '../db/queries/sessions';
import { newToken, sha256 } from '../lib/crypto';
import { AppError } from '../lib/errors';
import { hashPassword, verifyPassword } from '../lib/passwords';
import type { Principal } from './principal';
import type { SignInThrottle } from './signInThrottle';

/** Sign-in, sign-out and session lookup: the rules of a session, whatever transport asks. */
export function createSessions({ sql, throttle, sessionTtlMs, sessionIdleSeconds }: { sql: Sql; throttle: SignInThrottle; sessionTtlMs: number; sessionIdleSeconds: number }) {
  return {
    /**
     * Checks the password under the throttle, opens a session, upgrades an outdated hash and audits.
     * A wrong password and an unknown email get the same answer in about the same time.
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

      const token = newToken();
      const session = await insertSession(sql, { accountId: account.id, tokenHash: sha256(token), expiresAt: new Date(Date.now() + sessionTtlMs) });
      await recordSignIn(sql, account.id);
      if (needsRehash) await updatePasswordHash(sql, account.id, await hashPassword(password));
      await appendAudit(sql, { actorAccountId: account.id, action: 'session.created', subjectType: 'account', subjectId: account.id, details: { sessionId: session.id } });
      return { token, accountId: account.id, profileId: account.profileId, expiresAt: session.expiresAt.toISOString() };
    },

    async signOut(auth: Principal): Promise<void> {
      await revokeSession(sql, auth.sessionId);
      await appendAudit(sql, { actorAccountId: auth.accountId, action: 'session.revoked', subjectType: 'account', subjectId: auth.accountId, details: { sessionId: auth.sessionId } });
    },

    /** Ends every session of the signed-in account, this one included. */
    async signOutEverywhere(auth: Principal): Promise<void> {
      const ended = await revokeAccountSessions(sql, [auth.accountId]);
      await appendAudit(sql, { actorAccountId: auth.accountId, action: 'session.revoked_all', subjectType: 'account', subjectId: auth.accountId, details: { sessions: ended } });
    },

    /** The principal of a bearer token, looked up by hash only; undefined when it is not a live session. */
    authenticate(token: string): Promise<Principal | undefined> {
      return findLiveSession(sql, sha256(token), sessionIdleSeconds);
    },
  };
}
export type Sessions = ReturnType<typeof createSessions>;
