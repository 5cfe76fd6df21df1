import type { CompanyPasswordPolicyService } from '../../libraries/passwordExpiry';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import { CompanyPasswordPolicy, SetPasswordPolicy } from '../schemas/companies';

export function companyRoutes(api: RouteBuilder, policy: CompanyPasswordPolicyService): void {
  api.route({
    operationId: 'getCompanyPasswordPolicy', method: 'get', path: '/v1/companies/:id/password-policy', tags: ['Companies'], auth: { scope: 'company:read' },
    summary: 'The password expiry policy of the signed-in account\'s company',
    description: 'Any account of the company may read it; for every other company the answer is 404, as for one that does not exist.',
    params: IdParams,
    responses: {
      200: { description: 'The policy', schema: CompanyPasswordPolicy },
      404: { description: 'Not the signed-in account\'s company, or no such company (`company.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ auth, params }) => ({ status: 200, body: await policy.get(auth, params.id) }),
  });

  api.route({
    operationId: 'setCompanyPasswordPolicy', method: 'put', path: '/v1/companies/:id/password-policy', tags: ['Companies'], auth: { scope: 'company:write' },
    summary: 'Set how long the passwords of the company\'s accounts live',
    description:
      'By a company admin of this company. Takes effect at once on every account of the company: expiry is always computed ' +
      'from when each password was set and the current policy, so a shorter policy can expire passwords now and a longer one ' +
      'frees them. Reminders already sent for a password are not sent again. SSO accounts never expire. Audited as ' +
      '`company.password_policy_changed`.',
    params: IdParams,
    body: SetPasswordPolicy,
    responses: {
      200: { description: 'The policy now in force', schema: CompanyPasswordPolicy },
      403: { description: 'The signed-in account is a member of the company but not its admin (`company.admin_required`)', schema: ErrorSchema },
      404: { description: 'Not the signed-in account\'s company, or no such company (`company.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ auth, params, body }) => ({ status: 200, body: await policy.set(auth, params.id, body.maxAgeDays) }),
  });
}
