import type { AccountDeletionService } from '../../libraries/accountDeletion/service';
import type { RouteBuilder } from '../route';
import { AccountDeletion } from '../schemas/accountDeletion';
import { ErrorSchema, IdParams } from '../schemas/common';

const TAGS = ['Accounts'];
const retryAfter = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } };
const accepted = {
  description: 'Deletion started, or already running for this account (the same deletion): follow `Location`',
  schema: AccountDeletion,
  headers: { Location: { description: 'The deletion\'s status resource', schema: { type: 'string' as const } } },
  links: { getAccountDeletion: { operationId: 'getAccountDeletion', parameters: { id: '$response.body#/id' } } },
};
const busy = { description: 'The workflow service is busy; retry after the given seconds', schema: ErrorSchema, headers: retryAfter };
const unavailable = { description: 'The database or Temporal cannot be reached right now; retry after the given seconds', schema: ErrorSchema, headers: retryAfter };
const description =
  'Revokes the account\'s sessions, tokens and keys, removes the account and emails a confirmation to its address. When it ' +
  'was the profile\'s last account, all personal data of the profile is erased too. Runs as a workflow: the answer is ' +
  '`202` with the deletion\'s status resource, which needs no session (the session ends with the account).';

export function accountDeletionRoutes(api: RouteBuilder, deletions: AccountDeletionService): void {
  // Before `/v1/accounts/:id`, which would otherwise take `current` for an id.
  api.route({
    operationId: 'deleteCurrentAccount', method: 'delete', path: '/v1/accounts/current', tags: TAGS, auth: { credentials: ['session'] },
    summary: 'Delete the signed-in account',
    description,
    responses: { 202: accepted, 429: busy, 503: unavailable },
    handler: async ({ auth }) => {
      const d = await deletions.deleteSignedIn(auth);
      return { status: 202, body: d, headers: { Location: `/v1/accounts/deletions/${d.id}` } };
    },
  });

  api.route({
    operationId: 'deleteAccount', method: 'delete', path: '/v1/accounts/:id', tags: TAGS, auth: { credentials: ['session'] },
    summary: 'Delete an account: only the signed-in one',
    description: `${description} Any other account, even one of the same profile, is refused with \`403\`.`,
    params: IdParams,
    responses: {
      202: accepted,
      403: { description: 'Not the signed-in account: "You can only remove the account with which you are logged in…"', schema: ErrorSchema },
      429: busy,
      503: unavailable,
    },
    handler: async ({ params, auth }) => {
      const d = await deletions.deleteById(auth, params.id);
      return { status: 202, body: d, headers: { Location: `/v1/accounts/deletions/${d.id}` } };
    },
  });

  api.route({
    operationId: 'getAccountDeletion', method: 'get', path: '/v1/accounts/deletions/:id', tags: TAGS, auth: false,
    summary: 'The progress of an account deletion',
    description:
      'Public: after the deletion no session is left to ask with. The id is random and unguessable, and the answer names ' +
      'neither the account nor the profile.',
    params: IdParams,
    responses: { 200: { description: 'The deletion', schema: AccountDeletion }, 404: { description: 'No such deletion', schema: ErrorSchema }, 503: unavailable },
    handler: async ({ params }) => ({ status: 200, body: await deletions.status(params.id) }),
  });
}
