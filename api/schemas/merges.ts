import { MERGE_LIST_LIMIT } from '../../libraries/merges/service';
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
    // A union, not .nullable(): that would make the shared MergePreview component itself nullable.
    preview: z.union([MergePreview, z.null()]),
  })
  .openapi('Merge');

export const MergeStarted = z
  .object({
    id: uuid,
    step: z.enum(MERGE_STEPS),
    expiresAt: isoDate,
    emailOptions: z.array(z.object({ id: z.string(), masked: z.string().openapi({
      description: 'The first character and the last label of the domain, no more',
      example: 'a•••@•••.test',
    }) })),
  })
  .openapi('MergeStarted');

export const CodeSent = z
  .object({ step: z.enum(MERGE_STEPS), codeExpiresAt: isoDate, resendAvailableAt: isoDate })
  .openapi('MergeCodeSent');

const OUTCOMES = ['completed', 'cancelled', 'expired', 'failed'] as const;

export const ListMergesQuery = z.object({
  role: z
    .enum(['target', 'source'])
    .default('target')
    .openapi({
      param: { name: 'role', in: 'query' },
      description: '`target`: merges you started (the default); `source`: merges that aim at your profile, which you may cancel',
    }),
});

export const MergeSummary = z
  .object({
    id: uuid,
    role: z.enum(['target', 'source']).openapi({ description: 'Whether your profile started the merge or is the one it would remove' }),
    open: z.boolean(),
    outcome: z.enum(OUTCOMES).nullable(),
    startedAt: isoDate,
    expiresAt: isoDate,
    closedAt: isoDate.nullable(),
  })
  .openapi('MergeSummary');

export const MergeList = z
  .object({ merges: z.array(MergeSummary).openapi({ description: `Newest first, at most ${MERGE_LIST_LIMIT}` }) })
  .openapi('MergeList');

export const RejectMerge = z
  .object({
    token: text(200).min(1).openapi({ description: 'The rejection token from the verification-code email', example: '3f1c…' }),
  })
  .openapi('RejectMerge');

export const MergeRejection = z
  .object({ id: uuid, outcome: z.enum(OUTCOMES) })
  .openapi('MergeRejection', { description: 'The merge is cancelled, or had already ended with this outcome.' });
