import type { Sessions } from '../../libraries/sessions';
import type { RouteBuilder } from '../route';
import { ErrorSchema, email, isoDate, text, uuid } from '../schemas/common';
import { SecondFactorRequired } from '../schemas/twoFactor';
import { z } from '../schemas/zod';

const SignIn = z
  .object({
    email,
    // The policy caps passwords at 200 characters (code points of the NFKC form); 1000 UTF-16 units leave
    // room for any such password as typed (astral characters, combining marks) and still bound hashing work.
    password: text(1000).min(1).openapi({ example: 'Merge-me-2026!' }),
  })
  .openapi('SignIn');

export const Session = z
  .object({
    token: z.string().openapi({ description: 'Opaque bearer token; send as `Authorization: Bearer <token>`. Shown once.' }),
    accountId: uuid,
    profileId: uuid,
    expiresAt: isoDate,
    passwordExpired: z.boolean().openapi({
      description: 'The password has expired: this session may only change it (`PUT /v1/accounts/current/password`) or sign out; every other route answers 403 `auth.password_expired`.',
    }),
  })
  .openapi('Session');

const retryAfter = { 'Retry-After': { description: 'Seconds until another attempt is allowed', schema: { type: 'integer' as const } } };

export function sessionRoutes(api: RouteBuilder, sessions: Sessions): void {
  api.route({
    operationId: 'signIn', method: 'post', path: '/v1/sessions', tags: ['Sessions'], auth: false,
    summary: 'Sign in with email and password',
    description:
      'A wrong password and an unknown email get the same 401. Repeated failures are throttled per account and per client address. ' +
      'An expired password still signs in, with `passwordExpired: true`: that session may only change the password or sign out. ' +
      'With two-factor authentication on, the right password answers 200 `secondFactorRequired` and a challenge instead of a session.',
    body: SignIn,
    responses: {
      200: {
        description: 'The password is right and the account has two-factor authentication on: no session yet. Send a code with `challengeId` to `POST /v1/sessions/second-factor`',
        schema: SecondFactorRequired,
      },
      201: { description: 'Signed in', schema: Session },
      401: { description: 'Wrong email or password', schema: ErrorSchema },
      403: { description: 'The account is deactivated', schema: ErrorSchema },
      429: { description: 'Too many failed attempts', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ req, body }) => {
      const r = await sessions.signIn(body.email, body.password, req.ip ?? 'unknown');
      return { status: 'secondFactorRequired' in r ? 200 : 201, body: r };
    },
  });

  api.route({
    operationId: 'signOut', method: 'delete', path: '/v1/sessions/current', tags: ['Sessions'], auth: { credentials: ['session'] }, allowRestricted: true,
    summary: 'Sign out: revoke the session whose token is sent',
    responses: { 204: { description: 'Signed out' } },
    handler: async ({ auth }) => {
      await sessions.signOut(auth);
      return { status: 204 };
    },
  });

  api.route({
    operationId: 'signOutEverywhere', method: 'delete', path: '/v1/sessions', tags: ['Sessions'], auth: { credentials: ['session'] },
    summary: 'Sign out everywhere: revoke every session of the signed-in account, this one included',
    responses: { 204: { description: 'Every session of the account ended' } },
    handler: async ({ auth }) => {
      await sessions.signOutEverywhere(auth);
      return { status: 204 };
    },
  });
}
