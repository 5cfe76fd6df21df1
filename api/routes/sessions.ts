import type { Sessions } from '../../libraries/sessions';
import type { RouteBuilder } from '../route';
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

export function sessionRoutes(api: RouteBuilder, sessions: Sessions): void {
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
    handler: async ({ req, body }) => ({ status: 201, body: await sessions.signIn(body.email, body.password, req.ip ?? 'unknown') }),
  });

  api.route({
    operationId: 'signOut', method: 'delete', path: '/v1/sessions/current', tags: ['Sessions'], auth: true,
    summary: 'Sign out: revoke the session whose token is sent',
    responses: { 204: { description: 'Signed out' } },
    handler: async ({ auth }) => {
      await sessions.signOut(auth);
      return { status: 204 };
    },
  });

  api.route({
    operationId: 'signOutEverywhere', method: 'delete', path: '/v1/sessions', tags: ['Sessions'], auth: true,
    summary: 'Sign out everywhere: revoke every session of the signed-in account, this one included',
    responses: { 204: { description: 'Every session of the account ended' } },
    handler: async ({ auth }) => {
      await sessions.signOutEverywhere(auth);
      return { status: 204 };
    },
  });
}
