import { publishedPasswordPolicy } from '../../libraries/passwordRules';
import type { RouteBuilder } from '../route';
import { PasswordPolicy } from '../schemas/passwordPolicy';

export function passwordPolicyRoutes(api: RouteBuilder): void {
  api.route({
    operationId: 'getPasswordPolicy', method: 'get', path: '/v1/password-policy', tags: ['Accounts'], auth: false, dependencies: false,
    summary: 'The password policy, so a client can show the rules before the user types',
    description:
      'Every rule a new password must meet (sign-up, account creation, change, reset), each with the stable code that a ' +
      '`422 password.policy_violation` lists in `rules` when it is unmet. Public, and the same for every account.',
    responses: { 200: { description: 'The policy', schema: PasswordPolicy } },
    handler: async () => ({ status: 200, body: publishedPasswordPolicy() }),
  });
}
