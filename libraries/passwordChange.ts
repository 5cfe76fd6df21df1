import type { Sql } from '../db/client';
import { findAccountCredentials, setAccountPassword } from '../db/queries/accounts';
import { appendAudit } from '../db/queries/audit';
import { revokeOtherSessions } from '../db/queries/sessions';
import { AppError } from '../lib/errors';
import { hashPassword, verifyPassword } from '../lib/passwords';
import { assertAcceptablePassword, assertPasswordManagedHere } from './passwordRules';
import type { SessionPrincipal as Principal } from './principal';
import type { SignInThrottle } from './signInThrottle';

export const WRONG_CURRENT_PASSWORD = 'account.wrong_current_password';

/**
 * Changing the signed-in account's password (User Settings §3.1), in this order:
 * 1. an SSO account is refused (409 `account.sso_managed`): its credentials live in the company's IdP;
 * 2. the new password must meet the policy for the account's email (422 `password.policy_violation`,
 *    every unmet rule), checked before anything is spent;
 * 3. the current password is verified under the sign-in throttle's reservation, on the same counters as
 *    sign-in (the account's email and the client address), so a stolen session cannot guess it faster
 *    than sign-in could: 429 `auth.too_many_attempts`, and a wrong one is 403 `account.wrong_current_password`
 *    (403, not 401: the session is valid and stays so; 401 would tell clients to sign in again);
 * 4. one transaction sets the hash and `password_changed_at` (a new expiry period), ends the account's
 *    other sessions and audits `account.password_changed` (ids and counts, never a secret).
 */
export function createPasswordChange({ sql, throttle }: { sql: Sql; throttle: SignInThrottle }) {
  return {
    async change(auth: Principal, { currentPassword, newPassword }: { currentPassword: string; newPassword: string }, address: string) {
      const account = await findAccountCredentials(sql, auth.accountId);
      // A live session always has its account (sessions are deleted with it); this is the race with deletion.
      if (!account) throw new AppError(401, 'auth.unauthenticated', 'A valid session token is required');
      assertPasswordManagedHere(account);
      assertAcceptablePassword(newPassword, { email: account.email, field: 'body.newPassword' });

      const reservation = await throttle.reserve(account.email, address).catch(async (err: unknown) => {
        await appendAudit(sql, { actorAccountId: auth.accountId, action: 'auth.throttled', subjectType: 'address', subjectId: address, details: {} });
        throw err;
      });
      const { ok } = await verifyPassword(account.passwordHash, currentPassword);
      if (!ok) {
        // The reserved failure stays counted, as for a wrong sign-in.
        await appendAudit(sql, {
          actorAccountId: auth.accountId, action: 'account.password_change_failed', subjectType: 'account', subjectId: account.id,
          details: { address, sessionId: auth.sessionId },
        });
        throw new AppError(403, WRONG_CURRENT_PASSWORD, 'The current password is wrong');
      }
      await reservation.succeeded();

      const hash = await hashPassword(newPassword);
      return sql.begin(async (tx) => {
        const changedAt = await setAccountPassword(tx, account.id, hash);
        const ended = await revokeOtherSessions(tx, account.id, auth.sessionId);
        await appendAudit(tx, {
          actorAccountId: auth.accountId, action: 'account.password_changed', subjectType: 'account', subjectId: account.id,
          details: { sessionId: auth.sessionId, otherSessionsEnded: ended },
        });
        return { passwordChangedAt: changedAt!.toISOString(), otherSessionsEnded: ended };
      });
    },
  };
}
export type PasswordChange = ReturnType<typeof createPasswordChange>;
