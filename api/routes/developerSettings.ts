import type { AccessTokens } from '../../libraries/accessTokens';
import { MAX_TOKENS_PER_ACCOUNT, TOKEN_EXPIRY_REMINDER_DAYS } from '../../libraries/accessTokens';
import { MAX_API_KEYS_PER_ACCOUNT, type ApiKeys } from '../../libraries/apiKeys';
import { SCOPE_CATALOGUE } from '../../libraries/scopes';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import {
  ApiKeyCreated, ApiKeyList, CreateApiKey, CreatePersonalAccessToken, CurrentCredential, PersonalAccessToken, PersonalAccessTokenCreated,
  PersonalAccessTokenList, ScopeCatalogue,
} from '../schemas/developerSettings';

const TAGS = ['Developer settings'];
const TOKENS = '/v1/developer-settings/personal-access-tokens';
const KEYS = '/v1/developer-settings/api-keys';

/**
 * Creating and deleting tokens and keys takes a signed-in session, never a token or a key: a leaked credential
 * must not mint new ones (outliving its own deletion) nor delete the others its owner relies on. Reading them
 * takes `developer-settings:read`.
 */
const SESSION_ONLY = { credentials: ['session'] } as const;
const READ = { scope: 'developer-settings:read' } as const;

const location = { Location: { description: 'The new resource', schema: { type: 'string' as const } } };

export function developerSettingsRoutes(api: RouteBuilder, { tokens, apiKeys }: { tokens: AccessTokens; apiKeys: ApiKeys }): void {
  api.route({
    operationId: 'listPatScopes', method: 'get', path: '/v1/pat-scopes', tags: TAGS, auth: false, dependencies: false,
    summary: 'The scopes a personal access token can carry',
    description:
      'The published catalogue. A scope caps what a token may do, never more than its owner may: the company scopes do nothing ' +
      'for an account that is not its company\'s admin or service account. Reading is separate from writing.',
    responses: { 200: { description: 'Every scope, with what it allows', schema: ScopeCatalogue } },
    handler: async () => ({ status: 200, body: { scopes: SCOPE_CATALOGUE.map((s) => ({ ...s })) } }),
  });

  api.route({
    operationId: 'getCurrentCredential', method: 'get', path: '/v1/credentials/current', tags: TAGS, auth: true, allowRestricted: true,
    summary: 'Who this request acts as, and what its credential may do',
    description:
      'Any credential: a session, an API key or a personal access token. Answers the credential\'s kind and id, its account, ' +
      'profile and company, and its scopes, so an automation can check its token before it relies on it.',
    responses: { 200: { description: 'The principal of this request', schema: CurrentCredential } },
    handler: async ({ auth }) => ({
      status: 200,
      body: {
        kind: auth.credential.kind, id: auth.credential.id, accountId: auth.accountId, profileId: auth.profileId, companyId: auth.companyId,
        isCompanyAdmin: auth.isCompanyAdmin, isServiceAccount: auth.isServiceAccount, scopes: [...auth.scopes], passwordExpired: auth.passwordExpired === true,
      },
    }),
  });

  api.route({
    operationId: 'listPersonalAccessTokens', method: 'get', path: TOKENS, tags: TAGS, auth: READ,
    summary: 'Your personal access tokens',
    description: 'The signed-in account\'s tokens that are not deleted, expired ones included, newest first. Never a secret.',
    responses: { 200: { description: 'The tokens', schema: PersonalAccessTokenList } },
    handler: async ({ auth }) => ({ status: 200, body: await tokens.list(auth) }),
  });

  api.route({
    operationId: 'createPersonalAccessToken', method: 'post', path: TOKENS, tags: TAGS, auth: SESSION_ONLY,
    summary: 'Create a personal access token; its secret is shown once',
    description:
      'A name and at least one scope from `GET /v1/pat-scopes`; optionally an expiry (by default the token never expires, and ' +
      `its owner is emailed ${TOKEN_EXPIRY_REMINDER_DAYS} days before one that does). The answer holds the secret, this once. ` +
      'Use it as `Authorization: mxtoken <token>`. Takes a signed-in session: a token or an API key cannot create tokens. ' +
      'Audited as `personal_access_token.created`, with ids and scopes.',
    body: CreatePersonalAccessToken,
    responses: {
      201: { description: 'Created; `token` is the secret, shown this once', schema: PersonalAccessTokenCreated, headers: location },
      409: { description: `The account already holds ${MAX_TOKENS_PER_ACCOUNT} tokens (\`personal_access_token.limit_reached\`)`, schema: ErrorSchema },
    },
    handler: async ({ auth, body }) => {
      const created = await tokens.create(auth, { name: body.name, scopes: body.scopes, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null });
      return { status: 201, body: created, headers: { Location: `${TOKENS}/${created.id}` } };
    },
  });

  api.route({
    operationId: 'getPersonalAccessToken', method: 'get', path: `${TOKENS}/:id`, tags: TAGS, auth: READ,
    summary: 'One of your personal access tokens: scopes, created, last used, expiry',
    params: IdParams,
    responses: {
      200: { description: 'The token, without its secret', schema: PersonalAccessToken },
      404: { description: 'Not a token of the signed-in account, or deleted (`personal_access_token.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ auth, params }) => ({ status: 200, body: await tokens.get(auth, params.id) }),
  });

  api.route({
    operationId: 'deletePersonalAccessToken', method: 'delete', path: `${TOKENS}/:id`, tags: TAGS, auth: SESSION_ONLY,
    summary: 'Delete a personal access token: refused from its next request on',
    description: 'On every API process at once: tokens are looked up on every request, never cached. Audited as `personal_access_token.deleted`.',
    params: IdParams,
    responses: {
      204: { description: 'Deleted' },
      404: { description: 'Not a token of the signed-in account, or already deleted (`personal_access_token.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ auth, params }) => {
      await tokens.delete(auth, params.id);
      return { status: 204 };
    },
  });

  api.route({
    operationId: 'listApiKeys', method: 'get', path: KEYS, tags: TAGS, auth: READ,
    summary: 'Your API keys',
    description: 'The signed-in account\'s keys that are not revoked, newest first. Never a key.',
    responses: { 200: { description: 'The keys', schema: ApiKeyList } },
    handler: async ({ auth }) => ({ status: 200, body: await apiKeys.list(auth) }),
  });

  api.route({
    operationId: 'createApiKey', method: 'post', path: KEYS, tags: TAGS, auth: SESSION_ONLY,
    summary: 'Create an API key; the key is shown once',
    description:
      'An application using it acts on behalf of the signed-in account, with exactly its privileges. Send it as `Mendix-ApiKey` ' +
      'with `Mendix-Username` set to the `username` in the answer. Takes a signed-in session. Audited as `api_key.created`.',
    body: CreateApiKey,
    responses: {
      201: { description: 'Created; `key` is shown this once', schema: ApiKeyCreated },
      409: { description: `The account already holds ${MAX_API_KEYS_PER_ACCOUNT} API keys (\`api_key.limit_reached\`)`, schema: ErrorSchema },
    },
    handler: async ({ auth, body }) => ({ status: 201, body: await apiKeys.create(auth, body) }),
  });

  api.route({
    operationId: 'revokeApiKey', method: 'delete', path: `${KEYS}/:id`, tags: TAGS, auth: SESSION_ONLY,
    summary: 'Revoke an API key: refused from its next request on',
    description: 'On every API process at once: keys are looked up on every request, never cached. Audited as `api_key.revoked`.',
    params: IdParams,
    responses: {
      204: { description: 'Revoked' },
      404: { description: 'Not a key of the signed-in account, or already revoked (`api_key.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ auth, params }) => {
      await apiKeys.revoke(auth, params.id);
      return { status: 204 };
    },
  });
}
