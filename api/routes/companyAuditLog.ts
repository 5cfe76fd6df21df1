import type { AuditLogQuery as Filter, CompanyAuditLog } from '../../libraries/companyAuditLog';
import { actorOf } from '../actor';
import type { RouteBuilder } from '../route';
import { AuditLogPage, AuditLogQuery } from '../schemas/companyAuditLog';
import { ErrorSchema, IdParams } from '../schemas/common';
import { CsvBody, wantsCsv } from '../schemas/listing';

export function companyAuditLogRoutes(api: RouteBuilder, auditLog: CompanyAuditLog): void {
  api.route({
    operationId: 'listCompanyAuditLog', method: 'get', path: '/v1/companies/:id/audit-log', tags: ['Company user management'],
    auth: { scope: 'audit:read' },
    summary: 'The company\'s audit log, by page or as CSV',
    description:
      'Every action of the company\'s admins and service accounts, and every refusal: who (account and credential), what (action ' +
      'and subject), when, from where (client address, request id) and the outcome. Entries hold ids only. Filters combine (and). ' +
      '**Pages**, newest first, go by keyset: `nextCursor` names the last entry of the page, so entries written meanwhile never ' +
      'shift the pages. **CSV** (`Accept: text/csv` or `format=csv`): the whole filtered log, streamed, without pages (`limit` ' +
      'and `cursor` are ignored); an export is itself audited as `audit_log.exported`. The log is hash-chained (`npm run ' +
      'audit:verify`). For company admins and the company\'s service accounts; any other member of the company gets 403, and ' +
      'every other company 404.',
    params: IdParams,
    query: AuditLogQuery,
    streams: ({ req, query }) => wantsCsv(req, query.format),
    responses: {
      200: {
        description: 'A page of entries (JSON), or the whole filtered log (CSV)',
        schema: AuditLogPage,
        also: CsvBody,
        headers: { 'Content-Disposition': { description: 'CSV only: attachment; filename="audit-log-<YYYY-MM-DD>.csv"', schema: { type: 'string' } } },
      },
      400: { description: 'An invalid filter, or a cursor this listing did not give out (`request.invalid_cursor`)', schema: ErrorSchema },
      403: { description: 'A member of the company who is neither its admin nor a service account (`company.admin_required`)', schema: ErrorSchema },
      404: { description: 'Not the caller\'s company, or no such company (`company.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ req, auth, params, query }) => {
      const actor = actorOf(auth, req);
      const filter: Filter = {
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
      };
      if (wantsCsv(req, query.format)) {
        return {
          status: 200,
          contentType: 'text/csv; charset=utf-8',
          headers: { 'Content-Disposition': `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"` },
          stream: await auditLog.csv(actor, params.id, filter),
        };
      }
      return { status: 200, body: await auditLog.page(actor, params.id, { ...filter, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }) };
    },
  });
}
