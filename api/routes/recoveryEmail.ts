import type { RecoveryEmailService } from '../../libraries/recoveryEmail/service';
import type { RouteBuilder } from '../route';
import { ErrorSchema } from '../schemas/common';
import { RecoveryEmailChange, SetRecoveryEmail, VerifyRecoveryEmail } from '../schemas/recoveryEmail';
import { VerificationError } from '../schemas/verification';

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } } };

export function recoveryEmailRoutes(api: RouteBuilder, recovery: RecoveryEmailService): void {
  api.route({
    operationId: 'setRecoveryEmail', method: 'put', path: '/v1/profile/recovery-email', tags: ['Profile'], auth: true,
    summary: 'Set a new recovery email: a code is emailed to it, and it is stored once verified',
    description:
      'Starts the `verifyRecoveryEmail` workflow and emails a 6-digit code to the new address (valid 10 minutes, 5 wrong codes fail ' +
      'the request, the request expires after an hour). The address may be a non-business one. It replaces the current recovery ' +
      'email only after `POST /v1/profile/recovery-email/verification`; the old address is then told. A new request replaces an open one.',
    body: SetRecoveryEmail,
    responses: {
      202: {
        description: 'The code is on its way; `Location` is the request\'s status',
        schema: RecoveryEmailChange,
        headers: { Location: { description: 'GET /v1/profile/recovery-email/verification', schema: { type: 'string' } } },
      },
      404: { description: 'The profile is gone', schema: ErrorSchema },
      409: { description: 'This address is already the recovery email (`recovery_email.unchanged`)', schema: ErrorSchema },
      429: {
        description: 'More than 10 requests by this profile in a day (`recovery_email.too_many_starts`), too many codes for this address recently ' +
          '(`verification_code.too_many_codes`), or the workflow service is busy',
        schema: ErrorSchema, headers: retryAfter,
      },
      503: { description: 'The mail server refused the code (`mail.unavailable`), or a dependency is unavailable', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ auth, body }) => ({
      status: 202,
      body: await recovery.start(auth, body.email),
      headers: { Location: '/v1/profile/recovery-email/verification' },
    }),
  });

  api.route({
    operationId: 'getRecoveryEmailChange', method: 'get', path: '/v1/profile/recovery-email/verification', tags: ['Profile'], auth: true,
    summary: 'The open recovery email request: step, attempts left, code expiry',
    responses: {
      200: { description: 'The open request', schema: RecoveryEmailChange },
      404: { description: 'No request is open (`recovery_email.no_pending_change`)', schema: ErrorSchema },
      429: { description: 'The workflow service is busy', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ auth }) => ({ status: 200, body: await recovery.status(auth) }),
  });

  api.route({
    operationId: 'verifyRecoveryEmail', method: 'post', path: '/v1/profile/recovery-email/verification', tags: ['Profile'], auth: true,
    summary: 'Verify the emailed code: the address becomes the recovery email, and the old one is told',
    body: VerifyRecoveryEmail,
    responses: {
      200: { description: 'Stored: `step` is `completed` and `recoveryEmail` the new address', schema: RecoveryEmailChange },
      404: { description: 'No request is open (`recovery_email.no_pending_change`)', schema: ErrorSchema },
      409: { description: 'The request is not waiting for a code (`recovery_email.invalid_step`), or could not be stored (`recovery_email.failed`)', schema: ErrorSchema },
      422: { description: 'The code is wrong, expired, or the last attempt failed (`verification_code.*`, with `attemptsLeft`)', schema: VerificationError },
      429: { description: 'Too many wrong codes for this profile or by this account (`verification_code.too_many_attempts`)', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ auth, body }) => ({ status: 200, body: await recovery.verify(auth, body.code) }),
  });
}
