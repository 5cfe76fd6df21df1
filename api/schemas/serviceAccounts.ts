import { MAX_SERVICE_ACCOUNTS_PER_COMPANY } from '../../libraries/serviceAccounts';
import { SCOPES } from '../../libraries/scopes';
import { isoDate, text, uuid } from './common';
import { PersonalAccessToken, PersonalAccessTokenCreated, ScopeName } from './developerSettings';
import { z } from './zod';

export const ServiceAccountParams = z.object({
  id: uuid.openapi({ param: { name: 'id', in: 'path' }, description: 'The company' }),
  serviceAccountId: uuid.openapi({ param: { name: 'serviceAccountId', in: 'path' }, description: 'The service account (its `id`)' }),
});

export const ServiceAccountTokenParams = ServiceAccountParams.extend({
  tokenId: uuid.openapi({ param: { name: 'tokenId', in: 'path' }, description: 'A token of the service account' }),
});

const name = (what: string, example: string) =>
  text(100).min(1).refine((v) => v.trim().length > 0, 'must not be blank').openapi({ description: what, example });
const scopes = z.array(ScopeName).min(1).max(SCOPES.length).openapi({ description: 'What the token may do: at least one scope from `GET /v1/pat-scopes`' });

export const CreateServiceAccount = z
  .object({ name: name('What the service account is for; also the name of its first token', 'Workday offboarding'), scopes })
  .openapi('CreateServiceAccount');

export const CreateServiceAccountToken = z
  .object({ name: name('Where or why the token is used', 'Workday, rotated 2026-11'), scopes })
  .openapi('CreateServiceAccountToken');

export const ServiceAccount = z
  .object({
    id: uuid.openapi({ description: 'The service account\'s account id: what the audit log names as the actor' }),
    companyId: uuid,
    name: z.string(),
    status: z.enum(['active', 'deactivated']).openapi({ description: '`deactivated`: revoked; every request of its tokens is refused' }),
    createdAt: isoDate,
    revokedAt: isoDate.nullable().openapi({ description: '`null` while active' }),
    tokens: z.array(PersonalAccessToken).openapi({ description: 'Its live tokens, newest first: names, scopes, last use; never a secret' }),
  })
  .openapi('ServiceAccount');

export const ServiceAccountCreated = z
  .object({
    serviceAccount: ServiceAccount,
    // Its first token: `token.token` is the secret, shown this once.
    token: PersonalAccessTokenCreated,
  })
  .openapi('ServiceAccountCreated');

export const ServiceAccountList = z
  .object({
    items: z.array(ServiceAccount).openapi({
      description: `Oldest first, revoked ones included (on record); at most ${MAX_SERVICE_ACCOUNTS_PER_COMPANY} active at once`,
    }),
  })
  .openapi('ServiceAccountList');
