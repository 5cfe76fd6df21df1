import type { AccountOverview as Overview } from '../../libraries/accountOverview';
import { DEFAULT_PASSWORD_MAX_AGE_DAYS } from '../../workflows/shared/passwordExpiry';
import type { RouteBuilder } from '../route';
import { AccountOverview } from '../schemas/accountOverview';

export function accountOverviewRoutes(api: RouteBuilder, overview: Overview): void {
  api.route({
    operationId: 'listAccounts', method: 'get', path: '/v1/accounts', tags: ['Accounts'], auth: { scope: 'accounts:read' },
    summary: 'Every account of the signed-in profile',
    description:
      'For each account: the login email, whether it is the one signed in, its company, whether single sign-on is enabled, ' +
      'its status and when its password expires. A password expires its company\'s `maxAgeDays` after it was last set ' +
      `(${DEFAULT_PASSWORD_MAX_AGE_DAYS} days without a company); SSO accounts and companies with no expiry have \`null\`.`,
    responses: { 200: { description: 'The accounts', schema: AccountOverview } },
    handler: async ({ auth }) => ({ status: 200, body: await overview.list(auth) }),
  });
}
