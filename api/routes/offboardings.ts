import type { Request } from 'express';
import { AppError } from '../../lib/errors';
import { parseCsv } from '../../libraries/csv';
import { MAX_BATCH_PEOPLE, type OffboardingBatchService } from '../../libraries/offboarding/batches';
import type { OffboardingRequest } from '../../libraries/offboarding/requests';
import type { OffboardingService } from '../../libraries/offboarding/service';
import { actorOf } from '../actor';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import {
  BatchParams, BatchPerson, BatchQuery, ListOffboardingsQuery, Offboarding, OffboardingBatch, OffboardingPage, OffboardingParams,
  StartOffboarding, StartOffboardingBatch,
} from '../schemas/offboardings';

const TAGS = ['Offboarding'];
const notFound = { description: 'Not the caller\'s company, or no such company (`company.not_found`), or no such offboarding in it (`offboarding.not_found`)', schema: ErrorSchema };
const forbidden = { description: 'The caller is a member of the company but neither its admin nor a service account (`company.admin_required`)', schema: ErrorSchema };
const location = { Location: { description: 'The run', schema: { type: 'string' as const } } };
const batchLocation = { Location: { description: 'The batch', schema: { type: 'string' as const } } };
const replayed = { 'Idempotent-Replayed': { description: '`true`: an earlier request made this run', schema: { type: 'string' as const } } };
const IDEMPOTENCY =
  ' An `Idempotency-Key` header (1 to 255 printable characters) is honoured as Stripe honours it, per caller: the same key from the ' +
  'same caller answers what it answered the first time; with a different request it is refused (422 ' +
  '`offboarding.idempotency_key_reused`). Another caller\'s key of the same text is another key.';

/** The optional `Idempotency-Key` header. */
function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e][\x20-\x7e]{0,254}$/.test(key)) {
    throw new AppError(400, 'request.invalid', 'Invalid request headers', {
      details: [{ path: 'headers.idempotency-key', message: 'must be 1 to 255 printable ASCII characters' }],
    });
  }
  return key;
}

/** A batch's CSV columns, matched without case, spaces, `_` or `-` (libraries/csv.ts); `successor` is required. */
const CSV_COLUMNS = { allowed: ['email', 'uuid', 'successor', 'trainingApps', 'reason'], required: ['successor'] } as const;

/**
 * A CSV upload's rows as batch people: columns email, uuid, successor, trainingApps (separated by `;` or spaces),
 * reason. An unknown or repeated column, or none for the successor, refuses the upload (400 `request.invalid_csv`).
 */
function peopleFromCsv(body: Buffer): OffboardingRequest[] {
  const rows = parseCsv(body, { maxRows: MAX_BATCH_PEOPLE, columns: CSV_COLUMNS });
  if (rows.length === 0) throw new AppError(400, 'request.invalid_csv', 'The CSV has no rows');
  const details: { path: string; message: string }[] = [];
  const people = rows.map((row, i) => {
    const value = (k: keyof typeof row) => (row[k] ? row[k] : undefined);
    const parsed = BatchPerson.safeParse({
      email: value('email'), uuid: value('uuid'), successor: value('successor'), reason: value('reason'),
      trainingApps: (row.trainingApps ?? '').split(/[;\s]+/).filter((a) => a !== ''),
    });
    if (!parsed.success) {
      // Line i + 2: the header is line 1.
      for (const issue of parsed.error.issues) details.push({ path: `body.people.${i}.${issue.path.join('.')}`, message: `line ${i + 2}: ${issue.message}` });
      return undefined;
    }
    return parsed.data;
  });
  if (details.length > 0) throw new AppError(400, 'request.invalid', 'Invalid request body', { details: details.slice(0, 100) });
  return people as OffboardingRequest[];
}

export function offboardingRoutes(api: RouteBuilder, { offboardings, batches }: { offboardings: OffboardingService; batches: OffboardingBatchService }): void {
  api.route({
    operationId: 'startOffboarding', method: 'post', path: '/v1/companies/:id/offboardings', tags: TAGS, auth: { scope: 'offboarding:write' },
    summary: 'Offboard a person: reassign their apps, delete training apps, revoke access, deactivate, report',
    description:
      'By a company admin or a service account. Answers 202 with the run. An HR system that retries gets the same run back, never a ' +
      'second one: the key is the company plus the person, so any request for a person who has a run answers 200 with that run (a ' +
      'completed one with its report, doing nothing again), until the run is cancelled or failed, or the person is active again. ' +
      'A company admin is offboarded only at the request of a person who is a company admin (a service account is refused, 403), and ' +
      'never when they are the company\'s last active admin (409); both are checked again when the run begins (the run then fails with ' +
      'that code, before anything is done) and when it deactivates (the account is then left active and reported in ' +
      '`accountsKeptActive`). Explicit training apps must be apps the person is a member or the technical contact of; the run checks ' +
      'again before deleting and skips any other (`not_person_app`).' + IDEMPOTENCY,
    params: IdParams,
    body: StartOffboarding,
    responses: {
      200: { description: 'The run an earlier request made for this person (or with this Idempotency-Key)', schema: Offboarding, headers: { ...location, ...replayed } },
      202: {
        description: 'Started (or scheduled for effectiveAt)',
        schema: Offboarding,
        headers: location,
        links: Object.fromEntries(['getOffboarding', 'cancelOffboarding'].map((operationId) => [
          operationId, { operationId, parameters: { id: '$request.path.id', offboardingId: '$response.body#/id' } },
        ])),
      },
      403: {
        description: 'The caller is a member of the company but neither its admin nor a service account (`company.admin_required`), or a service ' +
          'account asked to offboard a company admin (`member.admin_target_requires_admin`)',
        schema: ErrorSchema,
      },
      404: notFound,
      409: {
        description: 'The person is the caller (`offboarding.cannot_offboard_self`), or the company\'s last active admin (`member.last_admin`)',
        schema: ErrorSchema,
      },
      422: {
        description: 'The successor is not an active human member of the company or is the person (`offboarding.successor_*`), a training app is ' +
          'not an app of the company (`offboarding.unknown_app`) or not one the person is a member or the technical contact of ' +
          '(`offboarding.not_person_app`), or the Idempotency-Key came with another request (`offboarding.idempotency_key_reused`)',
        schema: ErrorSchema,
      },
    },
    handler: async ({ req, auth, params, body }) => {
      const { view, created } = await offboardings.start(actorOf(auth, req), params.id, body, idempotencyKey(req));
      const headers: Record<string, string> = { Location: `/v1/companies/${params.id}/offboardings/${view.id}` };
      if (!created) headers['Idempotent-Replayed'] = 'true';
      return { status: created ? 202 : 200, body: view, headers };
    },
  });

  api.route({
    operationId: 'listOffboardings', method: 'get', path: '/v1/companies/:id/offboardings', tags: TAGS, auth: { scope: 'offboarding:read' },
    summary: 'The company\'s offboardings, newest first',
    description: 'Paged by cursor (`limit`, `cursor` → `nextCursor`), stable under new runs; `status` filters.',
    params: IdParams,
    query: ListOffboardingsQuery,
    responses: { 200: { description: 'A page of runs', schema: OffboardingPage }, 403: forbidden, 404: notFound },
    handler: async ({ req, auth, params, query }) => ({ status: 200, body: await offboardings.list(actorOf(auth, req), params.id, query) }),
  });

  api.route({
    operationId: 'getOffboarding', method: 'get', path: '/v1/companies/:id/offboardings/:offboardingId', tags: TAGS, auth: { scope: 'offboarding:read' },
    summary: 'An offboarding: its status, the progress of each step, and its report',
    params: OffboardingParams,
    responses: { 200: { description: 'The run', schema: Offboarding }, 403: forbidden, 404: notFound },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await offboardings.get(actorOf(auth, req), params.id, params.offboardingId) }),
  });

  api.route({
    operationId: 'cancelOffboarding', method: 'delete', path: '/v1/companies/:id/offboardings/:offboardingId', tags: TAGS, auth: { scope: 'offboarding:write' },
    summary: 'Cancel an offboarding that has not reached its effectiveAt',
    description: 'Nothing has been done to the person yet. Cancelling a cancelled run answers it again. A cancelled run frees the person for a new offboarding.',
    params: OffboardingParams,
    responses: {
      200: { description: 'Cancelled', schema: Offboarding },
      403: forbidden,
      404: notFound,
      409: { description: 'The run is past its effectiveAt: running, completed or failed (`offboarding.not_cancellable`)', schema: ErrorSchema },
    },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await offboardings.cancel(actorOf(auth, req), params.id, params.offboardingId) }),
  });

  api.route({
    operationId: 'startOffboardingBatch', method: 'post', path: '/v1/companies/:id/offboarding-batches', tags: TAGS, auth: { scope: 'offboarding:write' },
    summary: `Offboard up to ${MAX_BATCH_PEOPLE.toLocaleString('en')} people at once, as JSON or CSV`,
    description:
      'JSON `{people: [...]}` or a CSV file with a header row and the columns `email`, `uuid`, `successor`, `trainingApps` (app ids and/or ' +
      '`no-other-members`, separated by `;` or spaces) and `reason`, matched without case (an unknown or repeated column, or no `successor` ' +
      'column, is 400 `request.invalid_csv`). Each person gets a run (or keeps the run they already have), run with ' +
      'bounded concurrency by one parent workflow; a person who cannot be offboarded as asked (an unusable successor, say) gets a run that ' +
      'fails at once, with the reason in its report, and never stops the others (the refusals of a single request: a company admin asked ' +
      'for by a service account, the last active admin, training apps not the person\'s…).' + IDEMPOTENCY,
    params: IdParams,
    query: BatchQuery,
    body: StartOffboardingBatch,
    bodyLimit: '10mb',
    rawBody: { mediaTypes: ['text/csv'], limit: '10mb', description: 'JSON (the schema) or a CSV file with a header row' },
    responses: {
      200: { description: 'The batch an earlier request with this Idempotency-Key made', schema: OffboardingBatch, headers: { ...batchLocation, ...replayed } },
      202: { description: 'Accepted', schema: OffboardingBatch, headers: batchLocation },
      403: forbidden,
      404: notFound,
      422: { description: 'The Idempotency-Key came with another request (`offboarding.idempotency_key_reused`)', schema: ErrorSchema },
    },
    handler: async ({ req, auth, params, query, body }) => {
      const people: OffboardingRequest[] = body ? body.people : peopleFromCsv(req.body as Buffer);
      const { view, created } = await batches.start(actorOf(auth, req), params.id, { people, ...(query.effectiveAt ? { effectiveAt: query.effectiveAt } : {}) }, idempotencyKey(req));
      const headers: Record<string, string> = { Location: `/v1/companies/${params.id}/offboarding-batches/${view.id}` };
      if (!created) headers['Idempotent-Replayed'] = 'true';
      return { status: created ? 202 : 200, body: view, headers };
    },
  });

  api.route({
    operationId: 'getOffboardingBatch', method: 'get', path: '/v1/companies/:id/offboarding-batches/:batchId', tags: TAGS, auth: { scope: 'offboarding:read' },
    summary: 'A batch\'s progress: its people by the status of their runs',
    params: BatchParams,
    responses: {
      200: { description: 'The batch', schema: OffboardingBatch },
      403: forbidden,
      404: { description: 'Not the caller\'s company (`company.not_found`), or no such batch in it (`offboarding_batch.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await batches.get(actorOf(auth, req), params.id, params.batchId) }),
  });
}
