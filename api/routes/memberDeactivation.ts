import type { MemberDeactivationService } from '../../libraries/memberDeactivation';
import { actorOf } from '../actor';
import type { RouteBuilder } from '../route';
import { ErrorSchema } from '../schemas/common';
import { MemberDeactivation, MemberParams, MemberState } from '../schemas/memberDeactivation';

const TAGS = ['Company members'];
const PATH = '/v1/companies/:id/members/:memberId/deactivation';
const AUTH = { scope: 'company-users:deactivate' } as const;
const responses = {
  403: {
    description: 'A member of the company who is neither its admin nor its service account (`company.admin_required`), or a service account ' +
      'when the member is a company admin (`member.admin_target_requires_admin`)',
    schema: ErrorSchema,
  },
  404: {
    description: 'Not the caller\'s company, or no such company (`company.not_found`); or no such member of it (`member.not_found`: ' +
      'service accounts are revoked at /v1/companies/{id}/service-accounts/{serviceAccountId})',
    schema: ErrorSchema,
  },
};

/**
 * A deactivation is a sub-resource of the member that exists while the member is deactivated: POST creates it
 * (deactivates), DELETE removes it (reactivates). Both are idempotent and answer the member's state.
 */
export function memberDeactivationRoutes(api: RouteBuilder, members: MemberDeactivationService): void {
  api.route({
    operationId: 'deactivateMember', method: 'post', path: PATH, tags: TAGS, auth: AUTH,
    summary: 'Deactivate a member of the company, ending every session, API key and token',
    description:
      'The status and every credential of the account (sessions, API keys, personal access tokens) in one transaction: the next ' +
      'request of any of them is refused. Idempotent: a deactivated member answers 200 with its state (`changed: false`). An admin ' +
      'cannot deactivate themselves (409). A member still `invited` can be deactivated too: the pending invitation can then no ' +
      'longer be accepted. Check first with the member lookup. Audited as `member.deactivated`, with the ' +
      'credentials ended. A company admin, or a service account of the company with `company-users:deactivate`; a company admin\'s account ' +
      'only by a company admin, as a person (403 for a service account), and never the company\'s last active admin (409).',
    params: MemberParams,
    responses: {
      200: { description: 'The member, deactivated', schema: MemberDeactivation },
      ...responses,
      409: {
        description: 'The caller\'s own account (`member.cannot_deactivate_self`), or the company\'s last active admin (`member.last_admin`)',
        schema: ErrorSchema,
      },
    },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await members.deactivate(actorOf(auth, req), params.id, params.memberId) }),
  });

  api.route({
    operationId: 'reactivateMember', method: 'delete', path: PATH, tags: TAGS, auth: AUTH,
    summary: 'Reactivate a deactivated member',
    description:
      'A separate action from deactivation, audited as `member.reactivated`. Restores the status only: the credentials that the ' +
      'deactivation revoked stay revoked, so the person signs in again and creates new tokens. Idempotent: an active member answers ' +
      '200 with its state (`changed: false`). A member who never accepted the invitation has no password, so cannot be active ' +
      '(409): revoke the invitation and create the member again. A company admin\'s account is reactivated only by a company admin, as a ' +
      'person (403 for a service account).',
    params: MemberParams,
    responses: {
      200: { description: 'The member, active', schema: MemberState },
      ...responses,
      409: { description: 'The member never accepted the invitation and has no password, single sign-on or service (`member.never_activated`)', schema: ErrorSchema },
    },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await members.reactivate(actorOf(auth, req), params.id, params.memberId) }),
  });
}
