/**
 * The scopes a personal access token can carry (README "Developer settings"), published at `GET /v1/pat-scopes`.
 *
 * A scope caps what a credential may do; it never adds a right. A session or an API key carries every scope
 * (all of its user's privileges), a PAT only the ones chosen at its creation. Each operation still checks the
 * account's own rights besides: `company:write` lets a PAT change a company's password policy only when its
 * owner is that company's admin, and the `company-users:*` scopes do nothing for an ordinary member.
 *
 * Reading is separate from writing, and deactivating company users has a scope of its own (the company API and
 * offboarding build on these). A scope, once published, is never renamed or removed: tokens hold its name.
 */
export const SCOPE_CATALOGUE = [
  { scope: 'profile:read', group: 'Your profile', description: 'Read your profile and the merges you started or that aim at it.' },
  { scope: 'profile:write', group: 'Your profile', description: 'Change your profile: start, prove, confirm and cancel merges of another profile into it.' },
  {
    scope: 'accounts:read', group: 'Your accounts',
    description: 'List the accounts of your profile: email, company, single sign-on, status and password expiry.',
  },
  {
    scope: 'developer-settings:read', group: 'Developer settings',
    description: 'List your API keys and personal access tokens and view their details (names, scopes, dates; never a secret).',
  },
  { scope: 'company:read', group: 'Company', description: 'Read the settings of your company, such as its password policy.' },
  { scope: 'company:write', group: 'Company', description: 'Change the settings of your company, such as its password policy (company admins only).' },
  {
    scope: 'company-users:read', group: 'Company user management',
    description: 'List and look up the members of your company and their apps (company admins and service accounts only).',
  },
  {
    scope: 'company-users:write', group: 'Company user management',
    description: 'Onboard members of your company and change their roles (company admins and service accounts only). Does not include deactivation.',
  },
  {
    scope: 'company-users:deactivate', group: 'Company user management',
    description: 'Deactivate and reactivate members of your company (company admins and service accounts only).',
  },
  { scope: 'apps:read', group: 'Apps', description: 'Read the apps of your company, their members, technical contacts and backup access.' },
  { scope: 'apps:write', group: 'Apps', description: 'Change the technical contact and members of your company\'s apps (company admins and service accounts only).' },
  { scope: 'audit:read', group: 'Audit', description: 'Read your company\'s audit log (company admins and service accounts only).' },
  { scope: 'offboarding:read', group: 'Offboarding', description: 'Read the offboarding runs of your company and their reports (company admins and service accounts only).' },
  {
    scope: 'offboarding:write', group: 'Offboarding',
    description: 'Start and cancel offboardings of members of your company (company admins and service accounts only).',
  },
] as const;

export type Scope = (typeof SCOPE_CATALOGUE)[number]['scope'];

/** Every scope, in the catalogue's order: what a session or an API key carries. */
export const ALL_SCOPES: readonly Scope[] = Object.freeze(SCOPE_CATALOGUE.map((s) => s.scope));

export const SCOPES = ALL_SCOPES as unknown as readonly [Scope, ...Scope[]];

export const isScope = (value: string): value is Scope => (ALL_SCOPES as readonly string[]).includes(value);

/** A set of scopes in the catalogue's order, each once: how tokens store and show them. */
export const normalizeScopes = (scopes: readonly Scope[]): Scope[] => ALL_SCOPES.filter((s) => scopes.includes(s));
