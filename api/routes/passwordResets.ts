import { CODE_BUDGETS } from '../../libraries/passwordWithCode';
import type { PasswordResets } from '../../libraries/passwordResets/service';
import { CODE_DIGITS } from '../../lib/verificationCode';
import { DEFAULT_CHALLENGE_POLICY as POLICY } from '../../workflows/shared/codeChallenge';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import {
  CompletePasswordReset, PasswordReset, PasswordResetCompletionError, PasswordResetStarted, RequestPasswordReset,
} from '../schemas/passwordResets';

const TAGS = ['Password reset'];
const retryAfter = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } };
const unavailable = { description: 'The database or Temporal cannot be reached right now; retry after the given seconds', schema: ErrorSchema, headers: retryAfter };
const busy = { description: 'The workflow service is busy; retry after the given seconds', schema: ErrorSchema, headers: retryAfter };
const notFound = { description: 'No password reset has this id', schema: ErrorSchema };
const minutes = (ms: number) => `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;

export function passwordResetRoutes(api: RouteBuilder, resets: PasswordResets): void {
  api.route({
    operationId: 'requestPasswordReset', method: 'post', path: '/v1/password-resets', tags: TAGS, auth: false,
    summary: '"Forgot password?": email a code to the account with this login email',
    description:
      'Always `202`, in the same time, whether or not an account has the address: the answer tells nobody which accounts exist. ' +
      `An active account with a password gets a ${CODE_DIGITS}-digit code, valid ${minutes(POLICY.codeTtlMs)}. ` +
      'A single sign-on account gets an email saying its credentials are managed by the company\'s identity provider, and no code: ' +
      'its password cannot be reset here. An unknown address or a deactivated account gets nothing. The id answers like a real ' +
      'reset in every case (codes are checked, attempts and budgets spent). A second request while a reset is open joins it and ' +
      `sends a new code, at most one every ${minutes(POLICY.resendIntervalMs)} (a request within that still answers 202), and gives ` +
      'the reset its full time again.',
    body: RequestPasswordReset,
    responses: {
      202: {
        description: 'Requested (for every address)',
        schema: PasswordResetStarted,
        headers: { Location: { description: 'The password reset', schema: { type: 'string' } } },
        links: Object.fromEntries(
          ['getPasswordReset', 'completePasswordReset'].map((operationId) => [operationId, { operationId, parameters: { id: '$response.body#/id' } }]),
        ),
      },
      429: { description: 'Too many resets requested from this client address, or the workflow service is busy', schema: ErrorSchema, headers: retryAfter },
      503: unavailable,
    },
    handler: async ({ req, body }) => {
      const started = await resets.request(body.email, req.ip ?? 'unknown');
      return { status: 202, body: started, headers: { Location: `/v1/password-resets/${started.id}` } };
    },
  });

  api.route({
    operationId: 'getPasswordReset', method: 'get', path: '/v1/password-resets/:id', tags: TAGS, auth: false,
    summary: 'The password reset\'s step, expiry and attempts left',
    description: 'The same for every id `POST /v1/password-resets` answered, whether or not an account has the address.',
    params: IdParams,
    responses: { 200: { description: 'The password reset', schema: PasswordReset }, 404: notFound, 429: busy, 503: unavailable },
    handler: async ({ params }) => ({ status: 200, body: await resets.status(params.id) }),
  });

  api.route({
    operationId: 'completePasswordReset', method: 'post', path: '/v1/password-resets/:id/completion', tags: TAGS, auth: false,
    summary: 'Set a new password with the emailed code; ends every session of the account',
    description:
      'The new password is checked against the policy first (`422 password.policy_violation` listing every unmet rule; nothing is ' +
      `spent). Before the password is hashed, each attempt spends a point of the client address's budget (${CODE_BUDGETS.client}) ` +
      `and of the reset's (${CODE_BUDGETS.flow}); a right code gives them back (\`429\` when spent, nothing hashed). ` +
      `Then the code: ${POLICY.maxAttempts} wrong codes fail the reset, and wrong codes against one account are limited per ` +
      'day across resets (`429`). On success the password is set once, every session of the account ends and a "your password was ' +
      'changed" email follows. Repeating a successful request answers `200` again and changes nothing.',
    params: IdParams,
    body: CompletePasswordReset,
    responses: {
      200: { description: 'The password is reset; sign in with it', schema: PasswordReset },
      404: notFound,
      409: { description: 'The reset has ended (completed, expired, failed), or the account changed and the password could not be set', schema: ErrorSchema },
      422: { description: 'Wrong or expired code (`attemptsLeft`), or the new password breaks the policy (`rules`)', schema: PasswordResetCompletionError },
      429: {
        description: 'Too many wrong codes from this client address, for this reset or against this account recently (`verification_code.too_many_attempts`), or the workflow service is busy',
        schema: ErrorSchema, headers: retryAfter,
      },
      503: unavailable,
    },
    handler: async ({ req, params, body }) => ({ status: 200, body: await resets.complete(params.id, body.code, body.newPassword, req.ip ?? 'unknown') }),
  });
}
