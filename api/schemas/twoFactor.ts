import { RECOVERY_CODE_COUNT } from '../../lib/recoveryCodes';
import { TOTP_DIGITS } from '../../lib/totp';
import { isoDate, text, uuid } from './common';
import { z } from './zod';

export const TwoFactorMethod = z
  .enum(['sms', 'authenticator_app'])
  .openapi('TwoFactorMethod', {
    description:
      '`authenticator_app`: codes from an app such as Google Authenticator (TOTP). `sms`: a status the platform may hold for ' +
      'an account (imported, or set by an operator); this API sends no SMS, so such an account signs in with a recovery code.',
  });

export const TwoFactorStatus = z
  .object({
    enabled: z.boolean(),
    // A union, not TwoFactorMethod.nullable(): that would make the shared component itself admit null.
    method: z.union([TwoFactorMethod, z.null()]).openapi({ description: 'How the second factor is given; null when 2FA is off.' }),
    enabledAt: isoDate.nullable(),
    recoveryCodesLeft: z.number().int().min(0).nullable().openapi({ description: 'Unused recovery codes; null when 2FA is off.' }),
  })
  .openapi('TwoFactorStatus');

export const DeactivateTwoFactor = z
  .object({ password: text(1000).min(1).openapi({ description: 'The account\'s current password', example: 'Merge-me-2026!' }) })
  .openapi('DeactivateTwoFactor');

export const TotpEnrolment = z
  .object({
    otpauthUri: z.string().regex(/^otpauth:\/\/totp\//).openapi({
      description: 'The key URI authenticator apps read (`otpauth://totp/Custodian:<email>?secret=…`). Holds the secret: shown this once.',
      example: 'otpauth://totp/Custodian:ada%40demo.custodian.test?issuer=Custodian&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
    }),
    secret: z.string().regex(/^[A-Z2-7]+=*$/).openapi({ description: 'The secret in base32, for typing into an app by hand.' }),
    qrCode: z.string().regex(/^data:image\/png;base64,/).openapi({ description: 'The URI as a QR code: a PNG image, as a `data:` URL (`<img src>`).' }),
    expiresAt: isoDate.openapi({ description: 'Activate before this, or enrol again.' }),
  })
  .openapi('TotpEnrolment');

const totpCode = z
  .string()
  .regex(new RegExp(`^\\d{${TOTP_DIGITS}}$`), `must be ${TOTP_DIGITS} digits`)
  .openapi({ description: 'The code the authenticator app shows now', example: '492039' });

export const ActivateTotp = z.object({ code: totpCode }).openapi('ActivateTotp');

export const TotpActivated = z
  .object({
    enabled: z.literal(true),
    method: z.literal('authenticator_app'),
    enabledAt: isoDate,
    recoveryCodes: z
      .array(z.string().regex(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/))
      .length(RECOVERY_CODE_COUNT)
      .openapi({
        description: `${RECOVERY_CODE_COUNT} single-use recovery codes, shown this once (only their HMACs are stored). Each signs in once in place of an app code.`,
        example: ['7K3Q-9XWD-M2PA'],
      }),
  })
  .openapi('TotpActivated');

export const SecondFactorRequired = z
  .object({
    secondFactorRequired: z.literal(true),
    challengeId: uuid.openapi({ description: 'Send it with the code to `POST /v1/sessions/second-factor`.' }),
    expiresAt: isoDate.openapi({ description: 'The challenge ends then (5 minutes); sign in again after it.' }),
    method: TwoFactorMethod,
  })
  .openapi('SecondFactorRequired');

export const SecondFactor = z
  .object({
    challengeId: uuid,
    code: text(40).min(1).openapi({
      description: `A ${TOTP_DIGITS}-digit code from the authenticator app, or an unused recovery code (\`XXXX-XXXX-XXXX\`; case, spaces and hyphens do not matter).`,
      example: '492039',
    }),
  })
  .openapi('SecondFactor');
