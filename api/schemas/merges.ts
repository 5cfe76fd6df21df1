import { MERGE_STEPS } from '../../workflows/shared/mergeContract';
import { SCALAR_FIELDS } from '../../workflows/shared/mergeRules';
import { email, isoDate, text, uuid } from './common';
import { verificationCode } from './verification';
import { z } from './zod';

export const StartMerge = z
  .object({ email: email.openapi({ description: 'Login email of an account of the other profile', example: 'ada.lovelace@demo.custodian.test' }) })
  .openapi('StartMerge');

export const RequestCode = z
  .object({ emailOptionId: text(100).min(1).openapi({ example: 'account-6f1c…' }) })
  .openapi('RequestMergeCode');

export const VerifyCode = z
  .object({ code: verificationCode })
  .openapi('VerifyMergeCode');

const Side = z.enum(['signedIn', 'other']);
const Sum = z.object({ signedIn: z.number().int(), other: z.number().int(), result: z.number().int() });
const SetMerge = z.object({ result: z.array(z.string()), fromOther: z.array(z.string()) });

export const MergePreview = z
  .object({
    kept: z.array(z.object({ field: z.enum(SCALAR_FIELDS), value: z.string().nullable(), source: Side.nullable() })),
    deleted: z.object({
      profileId: uuid,
      fields: z.array(z.object({ field: z.enum(SCALAR_FIELDS), value: z.string() })),
    }),
    merged: z.object({
      points: Sum,
      credits: Sum,
      achievements: SetMerge,
      certifications: SetMerge,
      skills: SetMerge,
      industries: SetMerge,
      academyProgress: z.array(
        z.object({ course: z.string(), signedIn: z.number().nullable(), other: z.number().nullable(), result: z.number(), source: Side }),
      ),
      accounts: z.array(z.object({ id: uuid, email: z.string() })),
    }),
  })
  .openapi('MergePreview', { description: 'What the merge keeps, deletes and merges, with the source of each value.' });

export const MergeView = z
  .object({
    id: uuid,
    step: z.enum(MERGE_STEPS),
    outcome: z.enum(['completed', 'cancelled', 'expired', 'failed']).nullable(),
    expiresAt: isoDate,
    attemptsLeft: z.number().int().nullable(),
    codeExpiresAt: isoDate.nullable(),
    resendAvailableAt: isoDate.nullable(),
    failureReason: z.string().nullable(),
    preview: MergePreview.nullable(),
  })
  .openapi('Merge');

export const MergeStarted = z
  .object({
    id: uuid,
    step: z.enum(MERGE_STEPS),
    expiresAt: isoDate,
    emailOptions: z.array(z.object({ id: z.string(), masked: z.string().openapi({ example: 'a***@demo.custodian.test' }) })),
  })
  .openapi('MergeStarted');

export const CodeSent = z
  .object({ step: z.enum(MERGE_STEPS), codeExpiresAt: isoDate, resendAvailableAt: isoDate })
  .openapi('MergeCodeSent');
