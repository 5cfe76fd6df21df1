import type { Sql } from '../../db/client';
import { findAccountForSignIn, recordSignIn, updatePasswordHash } from '../../db/queries/accounts';
import { appendAudit } from '../../db/queries/audit';
import { insertSession, revokeSession } from '../../db/queries/sessions';
import { newToken, sha256 } from '../../lib/crypto';
import { hashPassword, verifyPassword } from '../../lib/passwords';
import { HttpError } from '../errors';
import type { RouteBuilder } from '../route';
import type { SignInThrottle } from '../signInThrottle';
import { ErrorSchema, email, isoDate, text, uuid } from '../schemas/common';
import { z } from '../schemas/zod';

const SignIn = z
  .object({
    email,
    // The policy caps passwords at 200 characters; refusing longer input also bounds hashing work.
    password: text(200).min(1).openapi({ example: 'Merge-me-2026!' }),
  })
  .openapi('SignIn');

const Session = z
  .object({
    token: z.string().openapi({ description: 'Opaque bearer token; send as `Authorization: Bearer <token>`. Shown once.' }),
    accountId: uuid,
    profileId: uuid,
    expiresAt: isoDate,
  })
  .openapi('Session');

const retryAfter = { 'Retry-After': { description: 'Seconds until another attempt is allowed', schema: { type: 'integer' as const } } };

export function sessionRoutes(
  api: RouteBuilder,
  { sql, throttle, sessionTtlMs }: { sql: Sql; throttle: SignInThrottle; sessionTtlMs: number },
): void {
  api.route({
    operationId: 'signIn', method: 'post', path: '/v1/sessions', tags: ['Sessions'], auth: false,
    summary: 'Sign in with email and password',
    description: 'A wrong password and an unknown email get the same 401. Repeated failures are throttled per account and per client address.',
    body: SignIn,
    responses: {
      201: { description: 'Signed in', schema: Session },
      401: { description: 'Wrong email or password', schema: ErrorSchema },
      403: { description: 'The account is deactivated', schema: ErrorSchema },
      429: { description: 'Too many failed attempts', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ req, body }) => {
      const address = req.ip ?? 'unknown';
      await throttle.check(body.email, address);
      const account = await findAccountForSignIn(sql, body.email);
      const { ok, needsRehash } = await verifyPassword(account?.passwordHash, body.password);
      if (!account || !ok) {
        await throttle.recordFailure(body.email, address);
        throw new HttpError(401, 'auth.invalid_credentials', 'Wrong email or password');
      }
      // Only someone who knows the password learns that the account is deactivated.
      if (account.status !== 'active') throw new HttpError(403, 'auth.account_deactivated', 'This account is deactivated');
      await throttle.recordSuccess(body.email);

      const token = newToken();
      const session = await insertSession(sql, {
        accountId: account.id,
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + sessionTtlMs),
      });
      await recordSignIn(sql, account.id);
      if (needsRehash) await updatePasswordHash(sql, account.id, await hashPassword(body.password));
      await appendAudit(sql, { actorAccountId: account.id, action: 'session.created', subjectType: 'account', subjectId: account.id, details: { sessionId: session.id } });
      return {
        status: 201,
        body: { token, accountId: account.id, profileId: account.profileId, expiresAt: session.expiresAt.toISOString() },
      };
    },
  });

  api.route({
    operationId: 'signOut', method: 'delete', path: '/v1/sessions/current', tags: ['Sessions'], auth: true,
    summary: 'Sign out: revoke the session whose token is sent',
    responses: { 204: { description: 'Signed out' } },
    handler: async ({ auth }) => {
      await revokeSession(sql, auth.sessionId);
      await appendAudit(sql, { actorAccountId: auth.accountId, action: 'session.revoked', subjectType: 'account', subjectId: auth.accountId, details: { sessionId: auth.sessionId } });
      return { status: 204 };
    },
  });
}
