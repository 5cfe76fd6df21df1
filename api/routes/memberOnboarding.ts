import { AVATAR_MAX_BYTES } from '../../libraries/profile/avatarImage';
import { MAX_IMPORT_ROWS } from '../../libraries/memberOnboarding/imports';
import type { MemberOnboarding } from '../../libraries/memberOnboarding/service';
import { BUDGETS } from '../../libraries/budgets';
import { CODE_BUDGETS } from '../../libraries/passwordWithCode';
import { CODE_DIGITS } from '../../lib/verificationCode';
import { actorOf } from '../actor';
import { rowsFromCsv, rowsFromJson } from '../memberImportRows';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import {
  AcceptInvitation, CreateMember, CreatedMember, InvitationAccepted, InvitationListQuery, InvitationParams, MemberImportBody,
  MemberImportReport, MemberInvitation, MemberInvitationPage, MemberParams, CompanyParams, OnboardedMember,
} from '../schemas/memberOnboarding';
import { VerificationError } from '../schemas/verification';
import { z } from '../schemas/zod';

const TAGS = ['Onboarding'];
const READ = { scope: 'company-users:read' } as const;
const WRITE = { scope: 'company-users:write' } as const;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
const retryAfter = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } };
const forbidden = { description: 'A member of the company who is neither its admin nor a service account (`company.admin_required`)', schema: ErrorSchema };
const noCompany = { description: 'Not the caller\'s company, or no such company (`company.not_found`)', schema: ErrorSchema };
const noInvitation = { description: 'Not the caller\'s company (`company.not_found`), or no such invitation in it (`invitation.not_found`)', schema: ErrorSchema };
const busy = { description: 'The workflow service is busy (`temporal.busy`)', schema: ErrorSchema, headers: retryAfter };
const picture413 = { description: 'The request body, or the picture, is over its limit (`request.too_large`, `avatar.too_large`)', schema: ErrorSchema };
const picture422 = {
  description: 'The picture is empty (`avatar.empty`), truncated or carrying data after its end (`avatar.corrupt`), or has too many pixels (`avatar.too_many_pixels`)',
  schema: ErrorSchema,
};
const invitationLocation = { Location: { description: 'The member\'s invitation', schema: { type: 'string' as const } } };
const csvDescription =
  `A CSV file: a header line with the columns \`email\` and \`name\`, and optionally \`jobTitle\` and \`country\`, then one member per line ` +
  `(at most ${MAX_IMPORT_ROWS}; an empty cell is an absent field). Or, as \`application/json\`, \`{"members": [...]}\`.`;

export function memberOnboardingRoutes(api: RouteBuilder, { members, imports, invitations, acceptance }: MemberOnboarding): void {
  api.route({
    operationId: 'createCompanyMember', method: 'post', path: '/v1/companies/:id/members', tags: TAGS, auth: WRITE,
    summary: 'Create a member of the company, with a profile, an account without password, and an invitation',
    description:
      'By a company admin or a service account. The account is `invited` until its owner accepts the invitation emailed at once ' +
      `(a ${CODE_DIGITS}-digit code, valid as long as the invitation) and sets a password. An optional \`picture\` (base64) is ` +
      'checked and re-encoded as a profile\'s avatar. Audited `member.created`. An address whose account belongs to another company, ' +
      `or to none, is \`409 member.exists\` at most ${BUDGETS.memberConflictsPerCompany.limit} times a day per company (each audited ` +
      '`member.create_conflict`), since that answer tells the address has an account; past them, every address outside the company is `429`.',
    params: CompanyParams,
    body: CreateMember,
    bodyLimit: '3mb',
    responses: {
      201: { description: 'Created and invited', schema: CreatedMember, headers: invitationLocation },
      403: forbidden,
      404: noCompany,
      409: { description: 'An account already has this email (`member.exists`); nothing else is said about it', schema: ErrorSchema },
      413: picture413,
      415: { description: 'The body is not application/json, or the picture is not a PNG, JPEG or WebP (`avatar.unsupported_type`)', schema: ErrorSchema },
      422: picture422,
      429: {
        description: `The company's budget of answers about accounts outside it (${BUDGETS.memberConflictsPerCompany.limit} a day) is spent: ` +
          'every address outside the company waits, one with no account too (`member.too_many_conflicts`); or the workflow service is busy',
        schema: ErrorSchema, headers: retryAfter,
      },
    },
    handler: async ({ auth, req, params, body }) => {
      const { picture, ...member } = body;
      const created = await members.create(actorOf(auth, req), params.id, member, picture ? { picture: Buffer.from(picture, 'base64') } : {});
      return { status: 201, body: created, headers: { Location: `/v1/companies/${params.id}/invitations/${created.invitation.id}` } };
    },
  });

  api.route({
    operationId: 'putCompanyMemberAvatar', method: 'put', path: '/v1/companies/:id/members/:memberId/avatar', tags: TAGS, auth: WRITE,
    summary: 'Upload the picture of a member who has not accepted the invitation yet, as the raw body',
    description:
      'The same checks and processing as `PUT /v1/profile/avatar`: the type read from the bytes, whole files only, at most 16.7 ' +
      'megapixels, re-encoded as a 256×256 WebP without metadata. Once the member has accepted, the picture is theirs to change. ' +
      'Audited `member.picture_set`.',
    params: MemberParams,
    rawBody: { mediaTypes: IMAGE_TYPES, limit: `${AVATAR_MAX_BYTES}b`, description: 'The image file' },
    responses: {
      200: { description: 'The member with the picture', schema: OnboardedMember },
      403: forbidden,
      404: { description: 'Not the caller\'s company (`company.not_found`), or no such member in it (`member.not_found`)', schema: ErrorSchema },
      409: { description: 'The member has accepted the invitation (`member.not_invited`)', schema: ErrorSchema },
      413: picture413,
      415: { description: 'Content-Type is not an image type (`request.unsupported_media_type`), or the bytes are no PNG, JPEG or WebP (`avatar.unsupported_type`)', schema: ErrorSchema },
      422: picture422,
    },
    handler: async ({ auth, req, params }) => ({
      status: 200,
      body: await members.setPicture(actorOf(auth, req), params.id, params.memberId, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)),
    }),
  });

  api.route({
    operationId: 'importCompanyMembers', method: 'post', path: '/v1/companies/:id/member-imports', tags: TAGS, auth: WRITE,
    summary: 'Create and invite many members at once, from a CSV file or a JSON list',
    description:
      `Up to ${MAX_IMPORT_ROWS} members. Every row is validated as \`NewMember\` on its own and created like one member ` +
      '(`POST /v1/companies/{id}/members`), in its own transaction: a bad row never stops the others and nothing is half written. ' +
      'The answer reports every row: `created` (with its ids), `exists` (an account has the address), `invalid` (its errors, or ' +
      'the same address as an earlier row), `failed` (an outage: send that row again) or `rate_limited` (the company\'s daily budget ' +
      'of rows meeting an account outside it is spent, as for one member). `200` when every row was created, `207` ' +
      'otherwise. Audited `member.created` per member and `member_import.completed` with the counts.',
    params: CompanyParams,
    body: MemberImportBody,
    bodyLimit: '1mb',
    rawBody: { mediaTypes: ['text/csv'], limit: '1mb', description: csvDescription },
    responses: {
      200: { description: 'Every row was created', schema: MemberImportReport },
      207: { description: 'Some rows were not created: see each row\'s status and errors', schema: MemberImportReport },
      400: { description: 'The JSON fails validation (`request.invalid`), or the CSV cannot be read, has unknown or missing columns, or too many rows (`request.invalid_csv`)', schema: ErrorSchema },
      403: forbidden,
      404: noCompany,
    },
    handler: async ({ auth, req, params, body }) => {
      const rows = body ? rowsFromJson(body.members) : rowsFromCsv(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      const report = await imports.importMembers(actorOf(auth, req), params.id, rows);
      return { status: report.summary.created === report.summary.total ? 200 : 207, body: report };
    },
  });

  api.route({
    operationId: 'listCompanyInvitations', method: 'get', path: '/v1/companies/:id/invitations', tags: TAGS, auth: READ,
    summary: 'The company\'s member invitations, newest first',
    description: 'Paginated by cursor (`limit`, `cursor`, `nextCursor`); `status` filters.',
    params: CompanyParams,
    query: InvitationListQuery,
    responses: { 200: { description: 'One page', schema: MemberInvitationPage }, 403: forbidden, 404: noCompany },
    handler: async ({ auth, req, params, query }) => ({ status: 200, body: await invitations.list(actorOf(auth, req), params.id, query) }),
  });

  api.route({
    operationId: 'getCompanyInvitation', method: 'get', path: '/v1/companies/:id/invitations/:invitationId', tags: TAGS, auth: READ,
    summary: 'An invitation: its status, expiry and resends left',
    params: InvitationParams,
    responses: { 200: { description: 'The invitation', schema: MemberInvitation }, 403: forbidden, 404: noInvitation },
    handler: async ({ auth, req, params }) => ({ status: 200, body: await invitations.get(actorOf(auth, req), params.id, params.invitationId) }),
  });

  api.route({
    operationId: 'resendCompanyInvitation', method: 'post', path: '/v1/companies/:id/invitations/:invitationId/resend', tags: TAGS, auth: WRITE,
    summary: 'Email a new code: the old one stops working, and the invitation gets its full time again',
    description:
      'At most once a minute, a few times per invitation (`resendsLeft`), and within the address\'s daily quota of codes. Audited ' +
      '`invitation.resent`.',
    params: InvitationParams,
    responses: {
      200: { description: 'Resent', schema: MemberInvitation },
      403: forbidden,
      404: noInvitation,
      409: {
        description: 'The invitation has ended, or its member was deactivated (`invitation.closed`), or has no resends left (`invitation.too_many_resends`)',
        schema: ErrorSchema,
      },
      429: { description: 'Resent within the last minute (`verification_code.resend_too_soon`), too many codes to this address today (`verification_code.too_many_codes`), or the workflow service is busy', schema: ErrorSchema, headers: retryAfter },
      503: { description: 'The mail server refused the email (`mail.unavailable`), or the database or Temporal is unavailable', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ auth, req, params }) => ({ status: 200, body: await invitations.resend(actorOf(auth, req), params.id, params.invitationId) }),
  });

  api.route({
    operationId: 'revokeCompanyInvitation', method: 'delete', path: '/v1/companies/:id/invitations/:invitationId', tags: TAGS, auth: WRITE,
    summary: 'Revoke a pending invitation; the account it created, never used, is removed',
    description: 'Its code stops working at once, and the address may be invited again. Revoking again answers the same. Audited `invitation.revoked`.',
    params: InvitationParams,
    responses: {
      200: { description: 'Revoked', schema: MemberInvitation },
      403: forbidden,
      404: noInvitation,
      409: { description: 'The invitation was accepted, or has expired or failed (`invitation.closed`)', schema: ErrorSchema },
      429: busy,
    },
    handler: async ({ auth, req, params }) => ({ status: 200, body: await invitations.revoke(actorOf(auth, req), params.id, params.invitationId) }),
  });

  api.route({
    operationId: 'acceptInvitation', method: 'post', path: '/v1/invitations/:id/acceptance', tags: TAGS, auth: false,
    summary: 'Accept an invitation: the emailed code and a new password activate the account',
    description:
      'No session: the invitation\'s id and code come from its email. The password is checked against the policy first (`422 ' +
      'password.policy_violation` listing every unmet rule; nothing is spent). Before the password is hashed, each attempt spends ' +
      `a point of the client address's budget (${CODE_BUDGETS.client}) and of the invitation's (${CODE_BUDGETS.flow}); a right ` +
      'code gives them back (`429` when spent, nothing hashed). Then the code: 5 wrong codes fail the invitation, ' +
      'and wrong codes against one account are limited per day (`429`). An accepted invitation cannot be used again; repeating a ' +
      'successful request answers `200` again and changes nothing.',
    params: IdParams,
    body: AcceptInvitation,
    responses: {
      200: { description: 'The account is active; sign in with its email and the new password', schema: InvitationAccepted },
      404: { description: 'No invitation has this id (`invitation.not_found`)', schema: ErrorSchema },
      409: {
        description: 'The invitation was accepted, revoked, or has expired or failed, or its member was deactivated (`invitation.closed`, also ' +
          'when it closes during the request), or the account changed meanwhile (`invitation.accept_failed`), or its run has not issued the ' +
          'first code yet (`invitation.not_ready`, with `Retry-After`; nothing spent)',
        schema: ErrorSchema, headers: retryAfter,
      },
      422: {
        description: 'A wrong or expired code (`verification_code.*`, with `attemptsLeft`), or a password that breaks the policy (`password.policy_violation`, with `rules`)',
        schema: z.union([VerificationError, ErrorSchema]).openapi('InvitationAcceptanceError'),
      },
      429: {
        description: 'Too many wrong codes from this client address, for this invitation or against this account recently (`verification_code.too_many_attempts`), or the workflow service is busy',
        schema: ErrorSchema, headers: retryAfter,
      },
    },
    handler: async ({ req, params, body }) => ({ status: 200, body: await acceptance.accept(params.id, body.code, body.password, req.ip ?? 'unknown') }),
  });
}
