import type { CompanyApps } from '../../libraries/companyApps';
import { actorOf } from '../actor';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import { AppTechnicalContact, BackupAccessReport, SetTechnicalContact } from '../schemas/companyApps';
import { CsvBody, FormatQuery, wantsCsv } from '../schemas/listing';
import { z } from '../schemas/zod';

const TAGS = ['Apps'];
const MANAGERS = 'A company admin, or a service account of the app\'s company.';
const appNotFound = {
  description: 'No such app, or an app of another company (`app.not_found`): the answer is the same, so ids reveal nothing',
  schema: ErrorSchema,
};
const notManager = { description: 'A member of the company who is neither its admin nor its service account (`company.admin_required`)', schema: ErrorSchema };

export function companyAppRoutes(api: RouteBuilder, apps: CompanyApps): void {
  api.route({
    operationId: 'getAppTechnicalContact', method: 'get', path: '/v1/apps/:id/technical-contact', tags: TAGS, auth: { scope: 'apps:read' },
    summary: 'Who the technical contact of an app is',
    description: `The account, its login email, name and status, or \`null\` when the app has none. ${MANAGERS}`,
    params: IdParams,
    responses: { 200: { description: 'The technical contact', schema: AppTechnicalContact }, 403: notManager, 404: appNotFound },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await apps.technicalContact(actorOf(auth, req), params.id) }),
  });

  api.route({
    operationId: 'setAppTechnicalContact', method: 'put', path: '/v1/apps/:id/technical-contact', tags: TAGS, auth: { scope: 'apps:write' },
    summary: 'Change the technical contact of an app',
    description:
      `To an active member of the app's company, not a service account. The new contact also becomes a member of the app if not ` +
      `one yet (default role; an existing membership is kept), so the app's member list stays true. Setting the current contact ` +
      `again changes nothing. Audited as \`app.technical_contact_changed\`, with the previous and the new account. ${MANAGERS}`,
    params: IdParams,
    body: SetTechnicalContact,
    responses: {
      200: { description: 'The technical contact now', schema: AppTechnicalContact },
      403: notManager,
      404: appNotFound,
      422: {
        description: 'The account is not a member of the app\'s company (`app.technical_contact_not_member`), is deactivated ' +
          '(`app.technical_contact_deactivated`) or is a service account (`app.technical_contact_service_account`)',
        schema: ErrorSchema,
      },
    },
    handler: async ({ req, auth, params, body }) => ({ status: 200, body: await apps.setTechnicalContact(actorOf(auth, req), params.id, body.accountId) }),
  });

  api.route({
    operationId: 'getBackupAccessReport', method: 'get', path: '/v1/companies/:id/reports/backup-access', tags: TAGS, auth: { scope: 'apps:read' },
    summary: 'Who can access the backups of which app, for audit cycles',
    description:
      'Every app of the company with everyone who can access its backups: its technical contact (who always can) and the members ' +
      'given the backup permission, with their status, so a deactivated account that keeps a permission shows. An app nobody can ' +
      'reach is listed too. One snapshot, with the time it was taken (`generatedAt`); not paged. As CSV with `Accept: text/csv` or ' +
      '`?format=csv`: one line per app and person (an app nobody can reach: one line without a person), the time on every line, ' +
      `streamed. Audited as \`report.backup_access_exported\`. ${MANAGERS}`,
    params: IdParams,
    query: z.object({ ...FormatQuery }),
    streams: ({ req, query }) => wantsCsv(req, query.format),
    responses: {
      200: {
        description: 'The report (JSON), or the same as CSV',
        schema: BackupAccessReport,
        also: CsvBody,
        headers: { 'Content-Disposition': { description: 'CSV only: attachment; filename="backup-access-<YYYY-MM-DD>.csv"', schema: { type: 'string' } } },
      },
      403: notManager,
      404: { description: 'Not the caller\'s company, or no such company (`company.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ req, auth, params, query }) => {
      const actor = actorOf(auth, req);
      if (!wantsCsv(req, query.format)) return { status: 200, body: await apps.backupAccess(actor, params.id) };
      const { generatedAt, csv } = await apps.backupAccessCsv(actor, params.id);
      const filename = `backup-access-${generatedAt.toISOString().slice(0, 10)}.csv`;
      return { status: 200, contentType: 'text/csv; charset=utf-8', stream: csv, headers: { 'Content-Disposition': `attachment; filename="${filename}"` } };
    },
  });
}
