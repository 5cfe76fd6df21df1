import { MAX_API_KEYS_PER_ACCOUNT } from '../../libraries/apiKeys';
import { MAX_TOKENS_PER_ACCOUNT, TOKEN_EXPIRY_REMINDER_DAYS } from '../../libraries/accessTokens';
import { CREDENTIAL_KINDS } from '../../libraries/principal';
import { SCOPES } from '../../libraries/scopes';
import { CHECKSUM_CHARS, RANDOM_CHARS, SECRET_PREFIXES } from '../../lib/tokenFormat';
import { email, isoDate, text, uuid } from './common';
import { z } from './zod';

export const ScopeName = z.enum(SCOPES).openapi('Scope', { description: 'A scope from `GET /v1/pat-scopes`', example: 'profile:read' });

export const ScopeCatalogue = z
  .object({
    scopes: z.array(z.object({
      scope: ScopeName,
      group: z.string().openapi({ description: 'The area it belongs to, for grouping in a picker', example: 'Your profile' }),
      description: z.string().openapi({ description: 'What a token with this scope may do' }),
    })),
  })
  .openapi('ScopeCatalogue');

const name = (what: string) =>
  text(100).min(1).refine((v) => v.trim().length > 0, 'must not be blank').openapi({ description: `A name that says where or why you use the ${what}`, example: 'CI deploy' });

const secretPattern = (prefix: string) => `^${prefix}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`;

export const CreatePersonalAccessToken = z
  .object({
    name: name('token'),
    scopes: z.array(ScopeName).min(1).max(SCOPES.length).openapi({ description: 'What the token may do: at least one scope from `GET /v1/pat-scopes`' }),
    expiresAt: isoDate
      .nullable()
      .optional()
      .refine((v) => v === null || v === undefined || Date.parse(v) > Date.now(), 'must be in the future')
      .openapi({
        description:
          `Optional: when the token stops working. Absent or \`null\`: it never expires. Its owner is emailed ${TOKEN_EXPIRY_REMINDER_DAYS} days before.`,
      }),
  })
  .openapi('CreatePersonalAccessToken');

const tokenFields = {
  id: uuid,
  name: z.string(),
  scopes: z.array(ScopeName),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable().openapi({ description: 'When it last authenticated a request, to the minute; `null`: never' }),
  expiresAt: isoDate.nullable().openapi({ description: '`null`: it never expires' }),
  expired: z.boolean().openapi({ description: 'It has expired: it is refused, and stays listed until you delete it' }),
};

export const PersonalAccessToken = z.object(tokenFields).openapi('PersonalAccessToken');

export const PersonalAccessTokenCreated = z
  .object({
    ...tokenFields,
    token: z.string().regex(new RegExp(secretPattern(SECRET_PREFIXES.pat))).openapi({
      description:
        'The secret, shown this once: send it as `Authorization: mxtoken <token>`. `mxp_`, 43 random base62 characters and a ' +
        '6-character checksum, so secret scanners recognise it and a typo is refused at once. Only its SHA-256 is stored.',
      example: `${SECRET_PREFIXES.pat}${'7'.repeat(RANDOM_CHARS)}AbC123`,
    }),
  })
  .openapi('PersonalAccessTokenCreated');

export const PersonalAccessTokenList = z
  .object({ tokens: z.array(PersonalAccessToken).openapi({ description: `Newest first; deleted ones are gone; at most ${MAX_TOKENS_PER_ACCOUNT}` }) })
  .openapi('PersonalAccessTokenList');

export const CreateApiKey = z.object({ name: name('key') }).openapi('CreateApiKey');

const apiKeyFields = {
  id: uuid,
  name: z.string(),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable().openapi({ description: 'When it last authenticated a request, to the minute; `null`: never' }),
};

export const ApiKey = z.object(apiKeyFields).openapi('ApiKey');

export const ApiKeyCreated = z
  .object({
    ...apiKeyFields,
    key: z.string().regex(new RegExp(secretPattern(SECRET_PREFIXES.apiKey))).openapi({
      description: 'The key, shown this once: send it as `Mendix-ApiKey`, with `Mendix-Username`. Only its SHA-256 is stored.',
      example: `${SECRET_PREFIXES.apiKey}${'7'.repeat(RANDOM_CHARS)}AbC123`,
    }),
    username: email.openapi({ description: 'What to send as `Mendix-Username`: the login email of the account the key acts for' }),
  })
  .openapi('ApiKeyCreated');

export const ApiKeyList = z
  .object({ apiKeys: z.array(ApiKey).openapi({ description: `Newest first; revoked ones are gone; at most ${MAX_API_KEYS_PER_ACCOUNT}` }) })
  .openapi('ApiKeyList');

export const CurrentCredential = z
  .object({
    kind: z.enum(CREDENTIAL_KINDS as ['session', 'apiKey', 'pat']).openapi({ description: 'What the request came with' }),
    id: uuid.openapi({ description: 'The id of the session, API key or token' }),
    accountId: uuid,
    profileId: uuid,
    companyId: uuid.nullable(),
    isCompanyAdmin: z.boolean(),
    isServiceAccount: z.boolean(),
    scopes: z.array(ScopeName).openapi({ description: 'What this credential may do: every scope for a session or an API key, its own for a token' }),
    passwordExpired: z.boolean().openapi({ description: 'A session whose password has expired: it may only change it or sign out' }),
  })
  .openapi('CurrentCredential');
