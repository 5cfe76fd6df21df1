import { MAX_TOKENS_PER_ACCOUNT } from '../../libraries/accessTokens';
import { MAX_SERVICE_ACCOUNTS_PER_COMPANY, type ServiceAccounts } from '../../libraries/serviceAccounts';
import { actorOf } from '../actor';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import { PersonalAccessTokenCreated } from '../schemas/developerSettings';
import {
  CreateServiceAccount, CreateServiceAccountToken, ServiceAccount, ServiceAccountCreated, ServiceAccountList, ServiceAccountParams,
  ServiceAccountTokenParams,
} from '../schemas/serviceAccounts';

const TAGS = ['Service accounts'];
const BASE = '/v1/companies/:id/service-accounts';
/**
 * Minting, rotating and revoking take a company admin's session or API key, never a token: a leaked token
 * (a service account's above all) must not mint credentials that outlive its own revocation, as for one's own
 * tokens (README "Developer settings"). Sessions and API keys carry every scope; the scope names the right.
 */
const ADMIN_WRITE = { credentials: ['session', 'apiKey'], scope: 'company-users:write' } as const;
const ADMINS = 'A company admin only, with a session or an API key: not a service account, not a token.';

const forbidden = {
  description: 'A member who is not the company\'s admin (`company.admin_required`), or a service account (`service_account.not_permitted`)',
  schema: ErrorSchema,
};
const companyNotFound = { description: 'Not the caller\'s company, or no such company (`company.not_found`)', schema: ErrorSchema };
const accountNotFound = {
  description: 'Not the caller\'s company (`company.not_found`), or no such service account in it (`service_account.not_found`)',
  schema: ErrorSchema,
};

export function serviceAccountRoutes(api: RouteBuilder, serviceAccounts: ServiceAccounts): void {
  api.route({
    operationId: 'createServiceAccount', method: 'post', path: BASE, tags: TAGS, auth: ADMIN_WRITE,
    summary: 'Create a service account and its first token; the secret is shown once',
    description:
      'For an HR or IT automation: a company account with no password and no mailbox (its login email is a synthetic ' +
      '`svc-<id>@service-accounts.invalid`, never mailed), named `name`, and a personal access token of `scopes`, named the same, ' +
      'that never expires (rotate it with a new token). Send it as `Authorization: mxtoken <token>`. ' +
      `At most ${MAX_SERVICE_ACCOUNTS_PER_COMPANY} active ones per company. Audited as \`service_account.created\`. ${ADMINS}`,
    params: IdParams,
    body: CreateServiceAccount,
    responses: {
      201: { description: 'Created; `token.token` is the secret, shown this once', schema: ServiceAccountCreated },
      403: forbidden,
      404: companyNotFound,
      409: { description: `The company already has ${MAX_SERVICE_ACCOUNTS_PER_COMPANY} active service accounts (\`service_account.limit_reached\`)`, schema: ErrorSchema },
    },
    handler: async ({ req, auth, params, body }) => ({ status: 201, body: await serviceAccounts.create(actorOf(auth, req), params.id, body) }),
  });

  api.route({
    operationId: 'listServiceAccounts', method: 'get', path: BASE, tags: TAGS, auth: { scope: 'company-users:read' },
    summary: 'The company\'s service accounts and their tokens',
    description:
      'Every service account, revoked ones included, oldest first, each with its live tokens\' names, scopes and last use (never a ' +
      'secret): what to rotate, and what has gone unused. Audited as `service_account.listed`. A company admin only (any credential ' +
      'with `company-users:read`); not a service account.',
    params: IdParams,
    responses: { 200: { description: 'The service accounts', schema: ServiceAccountList }, 403: forbidden, 404: companyNotFound },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await serviceAccounts.list(actorOf(auth, req), params.id) }),
  });

  api.route({
    operationId: 'createServiceAccountToken', method: 'post', path: `${BASE}/:serviceAccountId/tokens`, tags: TAGS, auth: ADMIN_WRITE,
    summary: 'Issue another token to a service account (rotation); the secret is shown once',
    description:
      'Rotation: issue a new token, switch the automation to it, then delete the old one. The token never expires. ' +
      `Audited as \`service_account.token_created\`. ${ADMINS}`,
    params: ServiceAccountParams,
    body: CreateServiceAccountToken,
    responses: {
      201: { description: 'Created; `token` is the secret, shown this once', schema: PersonalAccessTokenCreated },
      403: forbidden,
      404: accountNotFound,
      409: {
        description: `The service account is revoked (\`service_account.revoked\`), or holds ${MAX_TOKENS_PER_ACCOUNT} tokens (\`personal_access_token.limit_reached\`)`,
        schema: ErrorSchema,
      },
    },
    handler: async ({ req, auth, params, body }) => ({
      status: 201, body: await serviceAccounts.issueToken(actorOf(auth, req), params.id, params.serviceAccountId, body),
    }),
  });

  api.route({
    operationId: 'deleteServiceAccountToken', method: 'delete', path: `${BASE}/:serviceAccountId/tokens/:tokenId`, tags: TAGS, auth: ADMIN_WRITE,
    summary: 'Delete one token of a service account',
    description: `The end of a rotation: the token is refused from its next request on. Audited as \`service_account.token_revoked\`. ${ADMINS}`,
    params: ServiceAccountTokenParams,
    responses: {
      204: { description: 'Deleted' },
      403: forbidden,
      404: { description: `${accountNotFound.description}, or no such live token of it (\`personal_access_token.not_found\`)`, schema: ErrorSchema },
    },
    handler: async ({ req, auth, params }) => {
      await serviceAccounts.revokeToken(actorOf(auth, req), params.id, params.serviceAccountId, params.tokenId);
      return { status: 204 };
    },
  });

  api.route({
    operationId: 'revokeServiceAccount', method: 'delete', path: `${BASE}/:serviceAccountId`, tags: TAGS, auth: ADMIN_WRITE,
    summary: 'Revoke a service account',
    description:
      'Deactivates it and revokes every credential it holds, in one transaction: its next request is refused (403). It stays listed, ' +
      `on record. Idempotent: a revoked one answers its state. Audited as \`service_account.revoked\`. ${ADMINS}`,
    params: ServiceAccountParams,
    responses: { 200: { description: 'The service account, revoked', schema: ServiceAccount }, 403: forbidden, 404: accountNotFound },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await serviceAccounts.revoke(actorOf(auth, req), params.id, params.serviceAccountId) }),
  });
}
