import { AVATAR_MAX_BYTES } from '../../libraries/profile/avatarImage';
import { MAX_IMPORT_ROWS } from '../../libraries/memberOnboarding/imports';
import { email, isoDate, text, uuid } from './common';
import { NextCursor, PageQuery } from './listing';
import { newPassword } from './passwordPolicy';
import { CountryCode } from './profile';
import { verificationCode } from './verification';
import { z } from './zod';

const trimmed = (min: number, max: number) => text(max).trim().min(min).max(max);

const memberFields = {
  email: email.openapi({ description: 'The login email of the new account; no account may have it yet (compared case-insensitively)' }),
  name: trimmed(1, 200).openapi({ description: 'The profile\'s display name', example: 'Grace Hopper' }),
  jobTitle: trimmed(1, 100).nullable().optional().openapi({ example: 'Rear Admiral' }),
  country: CountryCode.nullable().optional(),
};

/** A member's fields: the one schema of a single creation and of every row of an import (JSON or CSV). */
export const NewMember = z.strictObject(memberFields).openapi('NewMember');

/** The longest base64 text of an image within the avatar limit. */
const PICTURE_BASE64_MAX = Math.ceil(AVATAR_MAX_BYTES / 3) * 4;

export const CreateMember = z.strictObject({
  ...memberFields,
  picture: z.base64({ message: 'must be base64' }).max(PICTURE_BASE64_MAX).optional().openapi({
    description: 'The profile picture: a PNG, JPEG or WebP of at most 2 MB, base64-encoded. Checked and re-encoded as ' +
      '`PUT /v1/profile/avatar` does; or upload it afterwards with `PUT /v1/companies/{id}/members/{memberId}/avatar`.',
  }),
}).openapi('CreateMember');

/** The rows of an import are validated one by one (a bad row never fails the others), so the list takes any item. */
export const MemberImportBody = z.strictObject({
  members: z.array(z.union([NewMember, z.unknown().openapi({ description: 'Anything else: reported as an invalid row' })]))
    .min(1).max(MAX_IMPORT_ROWS).openapi({ description: `1 to ${MAX_IMPORT_ROWS} members, each validated on its own as \`NewMember\`` }),
}).openapi('MemberImport');

const Country = z.object({ code: z.string().openapi({ example: 'NL' }), name: z.string().openapi({ example: 'Netherlands' }) });

export const OnboardedMember = z.strictObject({
  accountId: uuid,
  profileId: uuid,
  email: z.string(),
  name: z.string(),
  jobTitle: z.string().nullable(),
  country: Country.nullable(),
  avatarUrl: z.string().nullable().openapi({ description: '`/v1/profiles/{profileId}/avatar?v=<etag>` when there is a picture' }),
  status: z.enum(['invited', 'active', 'deactivated']).openapi({ description: '`invited` until the member accepts the invitation' }),
}).openapi('OnboardedMember');

export const CreatedMember = z.strictObject({
  member: OnboardedMember,
  invitation: z.strictObject({ id: uuid, status: z.literal('pending'), expiresAt: isoDate }),
}).openapi('CreatedMember');

export const INVITATION_STATUSES = ['pending', 'accepted', 'expired', 'revoked', 'failed'] as const;

export const MemberInvitation = z.strictObject({
  id: uuid,
  accountId: uuid.nullable().openapi({ description: 'The invited account; null once an unaccepted invitation removed it' }),
  email: z.string().nullable().openapi({ description: 'The invited address, while its account exists' }),
  status: z.enum(INVITATION_STATUSES),
  createdAt: isoDate,
  expiresAt: isoDate.openapi({ description: 'When a pending invitation expires; a resend moves it' }),
  closedAt: isoDate.nullable(),
  resendsLeft: z.number().int().nonnegative(),
}).openapi('MemberInvitation');

export const MemberInvitationPage = z.strictObject({ items: z.array(MemberInvitation), nextCursor: NextCursor }).openapi('MemberInvitationPage');

export const InvitationListQuery = z.strictObject({
  status: z.enum(INVITATION_STATUSES).optional().openapi({ param: { name: 'status', in: 'query' }, description: 'Only invitations in this status' }),
  ...PageQuery,
});

export const AcceptInvitation = z.strictObject({ code: verificationCode, password: newPassword }).openapi('AcceptInvitation');

export const InvitationAccepted = z.strictObject({
  invitationId: uuid, accountId: uuid, status: z.literal('accepted'),
}).openapi('InvitationAccepted', { description: 'The account is active: sign in with its email and the new password' });

const RowError = z.strictObject({ code: z.string(), message: z.string(), path: z.string().optional() });

export const MemberImportReport = z.strictObject({
  importId: uuid,
  rows: z.array(z.strictObject({
    row: z.number().int().positive().openapi({ description: 'The row\'s position, from 1: the n-th member of the list or the n-th line after the CSV\'s header' }),
    email: z.string().optional(),
    status: z.enum(['created', 'exists', 'invalid', 'failed', 'rate_limited']).openapi({
      description: '`rate_limited`: the company\'s daily budget of rows meeting an account outside it is spent, and every address outside it waits (`member.too_many_conflicts`)',
    }),
    accountId: uuid.optional(),
    invitationId: uuid.optional(),
    errors: z.array(RowError).optional(),
  }).openapi('MemberImportRow')),
  summary: z.strictObject({
    total: z.number().int(), created: z.number().int(), exists: z.number().int(), invalid: z.number().int(), failed: z.number().int(),
    rate_limited: z.number().int(),
  }),
}).openapi('MemberImportReport');

export const CompanyParams = z.object({ id: uuid.openapi({ param: { name: 'id', in: 'path' }, description: 'The company' }) });
export const MemberParams = CompanyParams.extend({ memberId: uuid.openapi({ param: { name: 'memberId', in: 'path' }, description: 'The member\'s `uuid`: its account id' }) });
export const InvitationParams = CompanyParams.extend({ invitationId: uuid.openapi({ param: { name: 'invitationId', in: 'path' } }) });
