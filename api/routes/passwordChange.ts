import type { PasswordChange } from '../../libraries/passwordChange';
import type { RouteBuilder } from '../route';
import { ErrorSchema } from '../schemas/common';
import { ChangePassword, PasswordChanged } from '../schemas/passwordChange';

const retryAfter = { 'Retry-After': { description: 'Seconds until another attempt is allowed', schema: { type: 'integer' as const } } };

export function passwordChangeRoutes(api: RouteBuilder, passwords: PasswordChange): void {
  api.route({
    operationId: 'changePassword', method: 'put', path: '/v1/accounts/current/password', tags: ['Accounts'],
    // A session only: a token or an API key must not change the password that mints sessions.
    auth: { credentials: ['session'] },
    // A session whose password has expired may still change it: that is how the user gets out.
    allowRestricted: true,
    summary: 'Change the signed-in account\'s password; signs out its other sessions',
    description:
      'Takes the current password and the new one. The new one must meet every rule of `GET /v1/password-policy`; a `422` ' +
      'lists every unmet rule at once (`rules`). Wrong current passwords count against the same throttle as sign-in. ' +
      'The password\'s expiry period starts again. This session stays signed in; every other session of the account ends.',
    body: ChangePassword,
    responses: {
      200: { description: 'Changed; the other sessions of the account are signed out', schema: PasswordChanged },
      403: { description: 'The current password is wrong (`account.wrong_current_password`); the session stays valid', schema: ErrorSchema },
      409: {
        description: "The account uses single sign-on (`account.sso_managed`): its password is managed in the company's identity provider",
        schema: ErrorSchema,
      },
      422: { description: 'The new password breaks the policy (`password.policy_violation`); `rules` lists every unmet rule', schema: ErrorSchema },
      429: { description: 'Too many wrong passwords for this account from this address, or from this address', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ req, body, auth }) => ({ status: 200, body: await passwords.change(auth, body, req.ip ?? 'unknown') }),
  });
}
