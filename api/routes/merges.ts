import type { MergeService } from '../../libraries/merges/service';
import { DEFAULT_CHALLENGE_POLICY as POLICY } from '../../workflows/shared/codeChallenge';
import { CODE_DIGITS } from '../../lib/verificationCode';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import {
  CodeSent, ListMergesQuery, MergeList, MergeRejection, MergeStarted, MergeView, RejectMerge, RequestCode, StartMerge, VerifyCode,
} from '../schemas/merges';
import { VerificationError } from '../schemas/verification';

const TAGS = ['Profile merge'];
const notFound = { description: 'No merge with this id was started by you', schema: ErrorSchema };
const notFoundOrNotAimedAtYou = { description: 'No merge with this id was started by you or aims at your profile', schema: ErrorSchema };
const conflict = { description: 'Not possible at the merge\'s current step, or the merge is closed', schema: ErrorSchema };
const retryAfter = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } };
const unavailable = { description: 'The database or Temporal cannot be reached right now; retry after the given seconds', schema: ErrorSchema, headers: retryAfter };
const busy = { description: 'The workflow service is busy; retry after the given seconds', schema: ErrorSchema, headers: retryAfter };
const minutes = (ms: number) => `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
const tooMany = { description: 'Too many wrong codes against this profile or by you recently', schema: ErrorSchema, headers: retryAfter };

export function mergeRoutes(api: RouteBuilder, merges: MergeService): void {
  api.route({
    operationId: 'startMerge', method: 'post', path: '/v1/profile/merges', tags: TAGS, auth: { scope: 'profile:write' },
    summary: 'Start merging another profile of yours into the signed-in one',
    description: 'Names a login email of the other profile. Answers with the addresses that can receive a verification code, masked.',
    body: StartMerge,
    responses: {
      202: {
        description: 'Merge started',
        schema: MergeStarted,
        headers: { Location: { description: 'The merge', schema: { type: 'string' } } },
        // Lets clients and stateful fuzzers follow a started merge through its steps.
        links: Object.fromEntries(
          ['getMerge', 'sendMergeCode', 'verifyMergeCode', 'confirmMerge', 'cancelMerge'].map((operationId) => [
            operationId,
            { operationId, parameters: { id: '$response.body#/id' } },
          ]),
        ),
      },
      404: { description: 'No account has this email', schema: ErrorSchema },
      409: { description: 'The account is already yours, or a merge is in progress for one of the profiles', schema: ErrorSchema },
      429: { description: 'Too many merges started by you recently', schema: ErrorSchema, headers: retryAfter },
      503: unavailable,
    },
    handler: async ({ body, auth }) => {
      const started = await merges.start(auth, body.email);
      return { status: 202, body: started, headers: { Location: `/v1/profile/merges/${started.id}` } };
    },
  });

  api.route({
    operationId: 'listMerges', method: 'get', path: '/v1/profile/merges', tags: TAGS, auth: { scope: 'profile:read' },
    summary: 'The merges you started, or (role=source) the merges that aim at your profile',
    description:
      'Newest first, from the merge records: ids, dates and outcomes, never the other profile. With `role=source` the owner of a ' +
      'profile someone else is trying to merge away sees those merges, and may cancel an open one with DELETE.',
    query: ListMergesQuery,
    responses: { 200: { description: 'The merges', schema: MergeList } },
    handler: async ({ query, auth }) => ({ status: 200, body: await merges.list(auth, query.role) }),
  });

  api.route({
    operationId: 'getMerge', method: 'get', path: '/v1/profile/merges/:id', tags: TAGS, auth: { scope: 'profile:read' },
    summary: 'The merge\'s step, expiry, attempts left, preview (once verified) and outcome',
    params: IdParams,
    responses: {
      200: { description: 'The merge', schema: MergeView },
      404: notFound,
      429: busy,
      503: unavailable,
    },
    handler: async ({ params, auth }) => ({ status: 200, body: await merges.status(auth, params.id) }),
  });

  api.route({
    operationId: 'sendMergeCode', method: 'post', path: '/v1/profile/merges/:id/code', tags: TAGS, auth: { scope: 'profile:write' },
    summary: `Email a ${CODE_DIGITS}-digit code to one of the offered addresses`,
    description: `The code lives ${minutes(POLICY.codeTtlMs)}; a new one replaces the old. At most one request every ${minutes(POLICY.resendIntervalMs)}.`,
    params: IdParams,
    body: RequestCode,
    responses: {
      200: { description: 'Code sent', schema: CodeSent },
      404: notFound,
      409: conflict,
      422: { description: 'Unknown email option', schema: ErrorSchema },
      429: { description: `A code was sent less than ${minutes(POLICY.resendIntervalMs)} ago`, schema: ErrorSchema, headers: retryAfter },
      503: { description: 'The mail server, the database or Temporal is unavailable', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ params, body, auth }) => ({ status: 200, body: await merges.requestCode(auth, params.id, body.emailOptionId) }),
  });

  api.route({
    operationId: 'verifyMergeCode', method: 'post', path: '/v1/profile/merges/:id/verification', tags: TAGS, auth: { scope: 'profile:write' },
    summary: 'Verify the emailed code; answers with the preview',
    params: IdParams,
    body: VerifyCode,
    responses: {
      200: { description: 'Verified; the preview is included', schema: MergeView },
      404: notFound,
      409: conflict,
      422: { description: `Wrong or expired code; after ${POLICY.maxAttempts} wrong codes the merge fails`, schema: VerificationError },
      429: tooMany,
      503: unavailable,
    },
    handler: async ({ params, body, auth }) => ({ status: 200, body: await merges.verify(auth, params.id, body.code) }),
  });

  api.route({
    operationId: 'confirmMerge', method: 'post', path: '/v1/profile/merges/:id/confirmation', tags: TAGS, auth: { scope: 'profile:write' },
    summary: 'Apply the verified merge',
    description: 'Applies once, in one transaction; repeating the request never applies it twice.',
    params: IdParams,
    responses: { 200: { description: 'Merged', schema: MergeView }, 404: notFound, 409: conflict, 429: busy, 503: unavailable },
    handler: async ({ params, auth }) => ({ status: 200, body: await merges.confirm(auth, params.id) }),
  });

  api.route({
    operationId: 'cancelMerge', method: 'delete', path: '/v1/profile/merges/:id', tags: TAGS, auth: { scope: 'profile:write' },
    summary: 'Cancel the merge at any step before confirmation',
    description: 'Its starter may cancel it, and so may the owner of the profile it aims at (see `GET /v1/profile/merges?role=source`).',
    params: IdParams,
    responses: { 200: { description: 'Cancelled', schema: MergeView }, 404: notFoundOrNotAimedAtYou, 409: conflict, 429: busy, 503: unavailable },
    handler: async ({ params, auth }) => ({ status: 200, body: await merges.cancel(auth, params.id) }),
  });

  api.route({
    operationId: 'rejectMerge', method: 'post', path: '/v1/profile/merges/:id/rejection', tags: TAGS, auth: false,
    summary: '"This was not me": cancel a merge with the rejection token from its code email',
    description:
      'For the owner of the profile a merge aims at, without signing in. A valid token cancels the merge and records the ' +
      'rejection; for a merge that has already ended it answers the outcome. A wrong token and an unknown merge get the same 404.',
    params: IdParams,
    body: RejectMerge,
    responses: {
      200: { description: 'Cancelled, or already ended with this outcome', schema: MergeRejection },
      404: { description: 'No merge with this id and token', schema: ErrorSchema },
      409: { description: 'The merge is being applied right now', schema: ErrorSchema },
      429: busy,
      503: unavailable,
    },
    handler: async ({ params, body }) => ({ status: 200, body: await merges.reject(params.id, body.token) }),
  });
}
