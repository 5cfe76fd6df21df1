import { email, isoDate, uuid } from './common';
import { FormatQuery, NextCursor, PageQuery } from './listing';
import { z } from './zod';

// eslint-disable-next-line no-control-regex -- matching NUL is the point: Postgres refuses it in text
const NO_NUL = /^[^\u0000]*$/;

const status = z.enum(['active', 'deactivated', 'invited']).openapi({
  description: 'Whether the account can sign in (`active`), was deactivated, or was created by onboarding and waits for its owner to accept the invitation (`invited`)',
});
const certification = z.string().nullable().openapi({
  description: 'The highest certification level (`rapid`, `intermediate`, `advanced`, `expert`); `null`: none', example: 'advanced',
});
const numberOfApps = z.number().int().min(0).openapi({ description: 'How many of this company\'s apps the member is a member or the technical contact of' });
const name = z.string().openapi({ description: 'The display name of the account\'s profile', example: 'Ada Lovelace' });
const memberUuid = uuid.openapi({ description: 'The account\'s id: what GET /v1/companies/{id}/members/{memberId}/apps takes' });

export const MembersQuery = z
  .object({
    type: z.enum(['internal', 'external']).default('internal').openapi({
      param: { name: 'type', in: 'query' },
      description: '`internal` (the default): the company\'s own accounts, service accounts excepted; `external`: accounts of other ' +
        'companies, or of none, that are members or the technical contact of one of the company\'s apps',
    }),
    status: status.optional().openapi({ param: { name: 'status', in: 'query' }, description: 'Only members with this status' }),
    q: z.string().trim().min(1).max(100).regex(NO_NUL, 'must not contain NUL characters').optional().openapi({
      param: { name: 'q', in: 'query' },
      description: 'Only members whose name or email contains this text, in any case (`%` and `_` are plain characters)', example: 'lovelace',
    }),
    lastActivityBefore: isoDate.optional().openapi({
      param: { name: 'lastActivityBefore', in: 'query' },
      description: 'Internal members only: last active strictly before this instant. Members never active count as before any date.',
    }),
    lastActivityAfter: isoDate.optional().openapi({
      param: { name: 'lastActivityAfter', in: 'query' },
      description: 'Internal members only: last active at or after this instant. Members never active are left out.',
    }),
    ...PageQuery,
    ...FormatQuery,
  })
  .superRefine((v, ctx) => {
    // An external member's activity is another company's business: neither shown nor filterable.
    if (v.type !== 'external') return;
    for (const key of ['lastActivityBefore', 'lastActivityAfter'] as const) {
      if (v[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'filters internal members only' });
    }
  });

export const InternalMember = z
  .object({
    email, name, status, certification, numberOfApps,
    signupDate: isoDate.openapi({ description: 'When the account was created' }),
    mendixAdmin: z.boolean().openapi({ description: 'Whether the account is an admin of the company' }),
    jobTitle: z.string().nullable(),
    country: z.string().nullable().openapi({ description: 'ISO 3166-1 alpha-2 code of the profile\'s country', example: 'NL' }),
    location: z.string().nullable().openapi({ description: 'Where the member works (an office, a city), free text from the profile' }),
    uuid: memberUuid,
    lastActivity: isoDate.nullable().openapi({
      description: 'The last sign-in or use of a session, API key or personal access token (each recorded at most once a minute); `null`: never',
    }),
  })
  .openapi('InternalMember');

export const ExternalMember = z
  .object({
    email, name, certification, numberOfApps, company: z.string().nullable().openapi({ description: 'The name of the member\'s own company; `null`: none' }),
    status, uuid: memberUuid,
  })
  .openapi('ExternalMember');

export const MemberPage = z
  .union([
    z.object({ items: z.array(InternalMember), nextCursor: NextCursor }).openapi('InternalMemberPage'),
    z.object({ items: z.array(ExternalMember), nextCursor: NextCursor }).openapi('ExternalMemberPage'),
  ])
  .openapi('MemberPage', { description: 'A page of members by email (then id): internal ones, or with `type=external` external ones' });

export const MemberLookupQuery = z
  .object({
    email: email.optional().openapi({ param: { name: 'email', in: 'query' }, description: 'The login email of the account, in any case' }),
    openId: z.string().min(1).max(200).regex(NO_NUL, 'must not contain NUL characters').optional().openapi({
      param: { name: 'openId', in: 'query' }, description: 'The account\'s OpenID', example: 'urn:custodian:openid:9a3f…',
    }),
  })
  .superRefine((v, ctx) => {
    if ((v.email === undefined) === (v.openId === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of email and openId' });
  });

export const MemberDetails = InternalMember.extend({
  openId: z.string().openapi({ description: 'The account\'s OpenID' }),
  active: z.boolean().openapi({ description: 'Whether the account is active: `status` is `active`' }),
}).openapi('MemberDetails');

export const MemberAppsParams = z.object({
  id: uuid.openapi({ param: { name: 'id', in: 'path' } }),
  memberId: uuid.openapi({ param: { name: 'memberId', in: 'path' }, description: 'The member\'s `uuid`: its account id' }),
});

export const MemberApp = z
  .object({
    appId: uuid,
    environmentId: uuid.openapi({ description: 'The app\'s environment' }),
    name: z.string(),
    license: z.enum(['free', 'licensed']),
    isTraining: z.boolean().openapi({ description: 'Whether the app was made for training' }),
    role: z.enum(['technicalContact', 'member']).openapi({ description: 'The member\'s role: the app\'s technical contact, or a member of its team' }),
    appRole: z.enum(['owner', 'developer', 'viewer']).nullable().openapi({ description: 'The member\'s role in the app\'s team; `null`: technical contact only' }),
  })
  .openapi('MemberApp');

export const MemberApps = z.object({ apps: z.array(MemberApp).openapi({ description: 'By name' }) }).openapi('MemberApps');
