import type { CompanyMembers } from '../../libraries/companyMembers';
import { actorOf } from '../actor';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import { MemberAppsParams, MemberApps, MemberDetails, MemberLookupQuery, MemberPage, MembersQuery } from '../schemas/companyMembers';
import { CsvBody, wantsCsv } from '../schemas/listing';

const TAGS = ['Company user management'];
const WHO = 'For company admins and the company\'s service accounts; any other member of the company gets 403, and every other company 404.';
const forbidden = { description: 'A member of the company who is neither its admin nor a service account (`company.admin_required`)', schema: ErrorSchema };
const notTheCompany = { description: 'Not the caller\'s company, or no such company (`company.not_found`)', schema: ErrorSchema };

export function companyMemberRoutes(api: RouteBuilder, members: CompanyMembers): void {
  api.route({
    operationId: 'listCompanyMembers', method: 'get', path: '/v1/companies/:id/members', tags: TAGS, auth: { scope: 'company-users:read' },
    summary: 'The company\'s internal or external members, by page or as CSV',
    description:
      'The fields of the Control Center export: for internal members (the company\'s accounts, service accounts excepted) Email, ' +
      'Name, Status, Certification, NumberOfApps, SignupDate, MendixAdmin, JobTitle, Country, Location, UUID and LastActivity; for ' +
      'external members (accounts of other companies that are members or technical contacts of this company\'s apps) Email, Name, ' +
      'Certification, NumberOfApps, Company, Status and UUID. Filters combine (and). Ordered by email, then id. ' +
      '**Pages** go by keyset: `nextCursor` names the last member of the page, so a member added or removed meanwhile never ' +
      'shifts the pages, and every member present from the first page to the last is listed exactly once (a member whose email ' +
      'changes meanwhile moves in the order). **CSV** (`Accept: text/csv` or `format=csv`): the whole filtered listing, streamed, ' +
      'without pages (`limit` and `cursor` are ignored), under the export\'s header names; CSV exports are audited as ' +
      `\`members.exported\`. ${WHO}`,
    params: IdParams,
    query: MembersQuery,
    streams: ({ req, query }) => wantsCsv(req, query.format),
    responses: {
      200: {
        description: 'A page of members (JSON), or the whole listing (CSV)',
        schema: MemberPage,
        also: CsvBody,
        headers: { 'Content-Disposition': { description: 'CSV only: attachment; filename="members-<type>-<YYYY-MM-DD>.csv"', schema: { type: 'string' } } },
      },
      400: { description: 'An invalid filter, or a cursor this listing did not give out (`request.invalid_cursor`)', schema: ErrorSchema },
      403: forbidden,
      404: notTheCompany,
    },
    handler: async ({ req, auth, params, query }) => {
      const actor = actorOf(auth, req);
      const filter = {
        ...(query.status ? { status: query.status } : {}),
        ...(query.q !== undefined ? { q: query.q } : {}),
        ...(query.lastActivityBefore ? { lastActivityBefore: new Date(query.lastActivityBefore) } : {}),
        ...(query.lastActivityAfter ? { lastActivityAfter: new Date(query.lastActivityAfter) } : {}),
      };
      if (wantsCsv(req, query.format)) {
        return {
          status: 200,
          contentType: 'text/csv; charset=utf-8',
          headers: { 'Content-Disposition': `attachment; filename="members-${query.type}-${new Date().toISOString().slice(0, 10)}.csv"` },
          stream: await members.csv(actor, params.id, query.type, filter),
        };
      }
      const page = await members.page(actor, params.id, { type: query.type, filter, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
      return { status: 200, body: page };
    },
  });

  api.route({
    operationId: 'lookUpCompanyMember', method: 'get', path: '/v1/companies/:id/members/lookup', tags: TAGS, auth: { scope: 'company-users:read' },
    summary: 'Whether someone has an account in the company, and whether it is active; by email or OpenID',
    description:
      'Exactly one of `email` (any case) and `openId`. The answer is the internal member\'s fields with its OpenID and `active`: ' +
      'the check an HR system makes before deactivating someone who left, and the email behind an OpenID. Service accounts are ' +
      'not members. Audited as `member.looked_up`, with the account found (a miss too, as failed). ' + WHO,
    params: IdParams,
    query: MemberLookupQuery,
    responses: {
      200: { description: 'The member', schema: MemberDetails },
      400: { description: 'Neither or both of `email` and `openId`, or one that is malformed', schema: ErrorSchema },
      403: forbidden,
      404: { description: 'No account of the company has this email or OpenID (`member.not_found`); or not the caller\'s company (`company.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ req, auth, params, query }) => ({
      status: 200,
      body: await members.lookup(actorOf(auth, req), params.id, query.email !== undefined ? { email: query.email } : { openId: query.openId! }),
    }),
  });

  api.route({
    operationId: 'listCompanyMemberApps', method: 'get', path: '/v1/companies/:id/members/:memberId/apps', tags: TAGS, auth: { scope: 'apps:read' },
    summary: 'The company\'s apps a member is the technical contact or a member of',
    description:
      'For an internal or external member (its `uuid` in the listing): each app with its AppId and EnvironmentId, free or licensed, ' +
      'and the member\'s role in it. ' + WHO,
    params: MemberAppsParams,
    responses: {
      200: { description: 'The member\'s apps in this company, by name', schema: MemberApps },
      403: forbidden,
      404: { description: 'No such member of the company (`member.not_found`); or not the caller\'s company (`company.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await members.apps(actorOf(auth, req), params.id, params.memberId) }),
  });
}
