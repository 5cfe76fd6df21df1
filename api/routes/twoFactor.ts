import { CHALLENGE_ATTEMPTS, ENROLMENT_TTL_MS, type SecondFactorSignIn, type TwoFactor } from '../../libraries/twoFactor';
import type { RouteBuilder } from '../route';
import { ErrorSchema } from '../schemas/common';
import { ActivateTotp, DeactivateTwoFactor, SecondFactor, TotpActivated, TotpEnrolment, TwoFactorStatus } from '../schemas/twoFactor';
import { VerificationError } from '../schemas/verification';
import { Session } from './sessions';

const TAGS = ['Developer settings'];
const PATH = '/v1/developer-settings/2fa';
/** Changing 2FA takes a signed-in session: an API key or a token must not turn off the factor that guards sign-in. */
const SESSION_ONLY = { credentials: ['session'] } as const;

const retryAfter = { 'Retry-After': { description: 'Seconds until another attempt is allowed', schema: { type: 'integer' as const } } };

/** Two-factor authentication (User Settings §5.1, README "Two-factor authentication"). */
export function twoFactorRoutes(api: RouteBuilder, { twoFactor, secondFactor }: { twoFactor: TwoFactor; secondFactor: SecondFactorSignIn }): void {
  api.route({
    operationId: 'getTwoFactor', method: 'get', path: PATH, tags: TAGS, auth: { scope: 'developer-settings:read' },
    summary: 'Whether two-factor authentication is on, and its method',
    description: 'The signed-in account\'s own: on or off, by SMS or by an authenticator app, since when, and how many recovery codes are left.',
    responses: { 200: { description: 'The status', schema: TwoFactorStatus } },
    handler: async ({ auth }) => ({ status: 200, body: await twoFactor.status(auth) }),
  });

  api.route({
    operationId: 'deactivateTwoFactor', method: 'delete', path: PATH, tags: TAGS, auth: SESSION_ONLY,
    summary: 'Deactivate two-factor authentication; requires the current password',
    description:
      'Whatever the method. The password is verified under the sign-in throttle, on the same counters as sign-in. Deletes the secret, ' +
      'the recovery codes and open sign-in challenges. Audited as `two_factor.disabled` (a wrong password as `two_factor.disable_failed`).',
    body: DeactivateTwoFactor,
    responses: {
      200: { description: 'Deactivated: the new status', schema: TwoFactorStatus },
      403: { description: 'The password is wrong (`account.wrong_current_password`); the session stays valid', schema: ErrorSchema },
      404: { description: 'Two-factor authentication is not on (`two_factor.not_enabled`)', schema: ErrorSchema },
      429: { description: 'Too many wrong passwords for this account from this address, or from this address (`auth.too_many_attempts`)', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ req, auth, body }) => ({ status: 200, body: await twoFactor.deactivate(auth, body.password, req.ip ?? 'unknown') }),
  });

  api.route({
    operationId: 'enrolTotp', method: 'post', path: `${PATH}/totp`, tags: TAGS, auth: SESSION_ONLY,
    summary: 'Start enrolling an authenticator app: its key URI and QR code',
    description:
      'A new secret, stored encrypted; 2FA is not on yet. Scan `qrCode` (a PNG) or type `secret` into the app, then activate with ' +
      `a code it shows (\`POST ${PATH}/totp/activation\`) within ${ENROLMENT_TTL_MS / 60_000} minutes. Starting again replaces the secret. ` +
      'The answer holds the secret, this once.',
    responses: {
      201: { description: 'Enrolment started: what the app needs', schema: TotpEnrolment },
      409: {
        description: 'Two-factor authentication is already on (`two_factor.already_enabled`: deactivate it first), or the account uses single sign-on (`account.sso_managed`)',
        schema: ErrorSchema,
      },
    },
    handler: async ({ auth }) => ({ status: 201, body: await twoFactor.enrol(auth) }),
  });

  api.route({
    operationId: 'activateTotp', method: 'post', path: `${PATH}/totp/activation`, tags: TAGS, auth: SESSION_ONLY,
    summary: 'Turn two-factor authentication on with a code from the app; answers the recovery codes, once',
    description:
      'From then on, sign-in asks for a code after the password. The answer holds 10 single-use recovery codes, shown this once: each ' +
      'signs in once when the app is lost. Wrong codes spend the durable code budgets. Audited as `two_factor.enabled`.',
    body: ActivateTotp,
    responses: {
      200: { description: 'On; `recoveryCodes` are shown this once', schema: TotpActivated },
      409: {
        description: 'Already on (`two_factor.already_enabled`), or no live enrolment (`two_factor.no_enrolment`: start one, it lasts 10 minutes)',
        schema: ErrorSchema,
      },
      422: { description: 'The code is wrong (`two_factor.wrong_code`)', schema: ErrorSchema },
      429: { description: 'Too many wrong codes recently (`verification_code.too_many_attempts`)', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ auth, body }) => ({ status: 200, body: await twoFactor.activate(auth, body.code) }),
  });

  api.route({
    operationId: 'signInSecondFactor', method: 'post', path: '/v1/sessions/second-factor', tags: ['Sessions'], auth: false,
    summary: 'Second step of sign-in: a code from the authenticator app, or a recovery code',
    description:
      'When `POST /v1/sessions` answered `secondFactorRequired`, send its `challengeId` with a current app code or an unused recovery ' +
      `code. A challenge lives 5 minutes and takes ${CHALLENGE_ATTEMPTS} codes; wrong codes also spend the account's durable code budget ` +
      '(10 a day). An app code is accepted once: the same code again is refused (`two_factor.code_already_used`). A recovery code is used up.',
    body: SecondFactor,
    responses: {
      201: { description: 'Signed in', schema: Session },
      403: { description: 'The account was deactivated meanwhile (`auth.account_deactivated`)', schema: ErrorSchema },
      404: { description: 'The challenge is unknown, expired, used or out of attempts (`two_factor.challenge_not_found`): sign in again', schema: ErrorSchema },
      422: {
        description:
          'The code is wrong (`verification_code.invalid`), was already used (`two_factor.code_already_used`), or was the challenge\'s last ' +
          'attempt (`verification_code.attempts_exhausted`); `attemptsLeft` says how many this challenge has left',
        schema: VerificationError,
      },
      429: { description: 'Too many wrong codes for this account recently (`verification_code.too_many_attempts`)', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ body }) => ({ status: 201, body: await secondFactor.complete(body.challengeId, body.code) }),
  });
}
