// Builders for the erasure tests: a person with a footprint in every table the schema has today, and the
// values that identify them. Rows without an API of their own (companies, apps, budgets) are written here.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client';
import { appendAudit } from '../../db/queries/audit';
import { findInEveryColumn, type Finding } from '../../db/queries/personalDataScan';
import { insertPendingAddress } from '../../db/queries/pendingAddresses';
import type { ProfileSeed } from '../../db/queries/people';
import { insertSession } from '../../db/queries/sessions';
import { sha256 } from '../../lib/crypto';
import { createPerson, type Person } from './people';

/**
 * A tag unique to one person, in letters no hex digest or UUID contains, so finding it anywhere is a real
 * finding: it is part of every free-text field of the profile below.
 */
export const personTag = () => `zq${[...randomBytes(10)].map((b) => 'ghijklmnopqrstuvwxyz'[b % 20]).join('')}`;

/** A profile with every field and every kind of community data, its name, texts and addresses carrying `tag`. */
export function fullProfile(tag = personTag()): Partial<ProfileSeed> & { tag: string } {
  return {
    tag,
    displayName: `Zephyrine Quillfeather ${tag}`,
    avatarUrl: `https://avatars.test.custodian.test/${tag}.png`,
    jobTitle: 'Lighthouse Keeper', department: 'Optics', country: 'IS',
    about: `Keeps the ${tag} light burning.`,
    twitterUrl: `https://twitter.com/zq_${tag}`, linkedinUrl: `https://www.linkedin.com/in/zq-${tag}`,
    profileEmail: `zq.profile-${tag}@test.custodian.test`, recoveryEmail: `zq.recovery-${tag}@test.custodian.test`,
    points: 4200, credits: 17,
    skills: ['TypeScript', 'Fresnel lenses'], industries: ['Maritime'],
    achievements: ['first-app', `night-watch-${tag}`], certifications: ['rapid'],
    academy: { 'rapid-developer': 100, [`lamp-care-${tag}`]: 35 },
  };
}

/** Everything that identifies `person`: what a scan after their erasure must not find anywhere. */
export function identifiersOf(person: Person, profile: Partial<ProfileSeed> & { tag: string }, extra: string[] = []): string[] {
  return [
    profile.tag, person.profileId, ...person.accountIds, ...person.emails,
    ...[profile.displayName, profile.profileEmail, profile.recoveryEmail].filter((v): v is string => typeof v === 'string'),
    ...extra,
  ];
}

/** Every column of every table that still holds one of `needles`, as readable lines (an empty list is the proof). */
export async function leftovers(sql: Sql, needles: string[]): Promise<string[]> {
  const found: Finding[] = await findInEveryColumn(sql, needles);
  return found.map((f) => `${f.table}.${f.column} holds ${f.needle} (${f.rows} row${f.rows === 1 ? '' : 's'})`);
}

/**
 * A company and an app of which `person`'s first account is the technical contact; every account of the
 * person is a member watching it, and so is `colleague` (who must keep theirs).
 */
export async function appsWithMembers(sql: Sql, person: Person, colleague?: Person): Promise<{ companyId: string; appId: string }> {
  const [company] = await sql<{ id: string }[]>`insert into companies (name) values ('Lighthouse Corp') returning id`;
  const [app] = await sql<{ id: string }[]>`
    insert into apps (company_id, name, technical_contact_account_id) values (${company!.id}, 'Beacon', ${person.accountIds[0]!}) returning id`;
  for (const accountId of [...person.accountIds, ...(colleague?.accountIds ?? [])]) {
    await sql`insert into app_members (app_id, account_id, role) values (${app!.id}, ${accountId}, 'developer')`;
    await sql`insert into watched_apps (account_id, app_id) values (${accountId}, ${app!.id})`;
  }
  return { companyId: company!.id, appId: app!.id };
}

/** Sessions, API keys and tokens, audit entries, budgets, outbox rows and a pending address of the person: what flows leave behind. */
export async function traces(sql: Sql, person: Person, profile: Partial<ProfileSeed>): Promise<void> {
  for (const [i, accountId] of person.accountIds.entries()) {
    await insertSession(sql, { accountId, tokenHash: sha256(`token-${accountId}`), expiresAt: new Date(Date.now() + 3_600_000) });
    await appendAudit(sql, { actorAccountId: null, action: 'auth.signin_failed', subjectType: 'account', subjectId: accountId, details: { address: '203.0.113.7' } });
    const email = person.emails[i]!.toLowerCase();
    const expire = Date.now() + 3_600_000;
    await sql`
      insert into rate_limits (key, points, expire) values
        (${`signin_account:${email}`}, 1, ${expire}), (${`signin_pair:${email}|203.0.113.7`}, 1, ${expire}),
        (${`codeProofsPerActor:${accountId}`}, 2, ${expire})`;
    await sql`insert into email_outbox (idempotency_key, template, sent_at) values (${`test-notice/${accountId}`}, 'test-notice', now())`;
    // An API key and a token, named after the person (free text), and the token's expiry reminder.
    await sql`insert into api_keys (account_id, name, key_hash) values (${accountId}, ${`Key of ${profile.displayName ?? ''}`}, ${sha256(`key-${accountId}`)})`;
    const [pat] = await sql<{ id: string }[]>`
      insert into personal_access_tokens (account_id, name, token_hash, scopes, expires_at)
      values (${accountId}, ${`Token of ${profile.displayName ?? ''}`}, ${sha256(`pat-${accountId}`)}, '{profile:read}', now() + interval '3 days') returning id`;
    await sql`insert into email_outbox (idempotency_key, template, sent_at) values (${`pat-expiry/${accountId}/${pat!.id}`}, 'pat-expiry', now())`;
  }
  await appendAudit(sql, {
    actorAccountId: person.accountIds[0]!, action: 'verification_code.wrong', subjectType: 'profile', subjectId: person.profileId,
    details: { workflowId: `profile-merge/${person.profileId}/${randomUUID()}`, movedAccountIds: person.accountIds, attemptsLeft: 3 },
  });
  await sql`insert into rate_limits (key, points, expire) values (${`codeProofsPerSubject:profile:${person.profileId}`}, 1, ${Date.now() + 3_600_000})`;
  if (profile.recoveryEmail) await insertPendingAddress(sql, profile.recoveryEmail, 600_000);
}

/** A person with a full profile, `accounts` accounts, apps, sessions, audit entries, budgets and pending rows. */
export async function personWithEverything(sql: Sql, { accounts = 2, colleague }: { accounts?: number; colleague?: Person } = {}) {
  const profile = fullProfile();
  const { tag: _tag, ...seed } = profile;
  const person = await createPerson(sql, { profile: seed, accounts });
  const apps = await appsWithMembers(sql, person, colleague);
  await traces(sql, person, profile);
  // Member invitations (README "Onboarding"): one the person accepted, one they sent as their company's admin.
  const invitations: [string | null, string | null][] = [[person.accountIds[0]!, null], [null, person.accountIds[0]!]];
  for (const [accountId, invitedBy] of invitations) {
    const id = randomUUID();
    await sql`
      insert into member_invitations (id, company_id, account_id, invited_by_account_id, workflow_id, status, expires_at, closed_at)
      values (${id}, ${apps.companyId}, ${accountId}, ${invitedBy}, ${`member-invitation/${id}`}, 'accepted', now(), now())`;
  }
  return { person, profile, apps, needles: identifiersOf(person, profile) };
}
