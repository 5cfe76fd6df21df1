import type { Sql } from '../client';
import { insertAccount, insertProfile, type ProfileSeed } from './people';

/** Fixed ids, so the demo is recognisable in the Temporal UI and the seed can tell it already ran. */
export const DEMO = {
  companyId: '00000000-0000-4000-8000-00000000c001',
  profiles: { ada: '00000000-0000-4000-8000-00000000a001', adaKing: '00000000-0000-4000-8000-00000000a002', grace: '00000000-0000-4000-8000-00000000a003' },
  accounts: { ada: '00000000-0000-4000-8000-00000000b001', adaKing: '00000000-0000-4000-8000-00000000b002', grace: '00000000-0000-4000-8000-00000000b003' },
  password: 'Merge-me-2026!',
  emails: { ada: 'ada@demo.custodian.test', adaKing: 'ada.lovelace@demo.custodian.test', grace: 'grace@demo.custodian.test' },
} as const;

const PROFILES: ProfileSeed[] = [
  {
    id: DEMO.profiles.ada, displayName: 'Ada Lovelace', jobTitle: 'Lead Developer', department: null, country: 'GB',
    about: 'Writes the first programs, mostly for engines that do not exist yet.', twitterUrl: 'https://twitter.com/ada_demo',
    linkedinUrl: null, avatarUrl: 'https://avatars.demo.custodian.test/ada.png', profileEmail: null, recoveryEmail: 'ada.recovery@demo.custodian.test',
    points: 1200, credits: 30, skills: ['TypeScript', 'Temporal'], industries: ['Finance'],
    achievements: ['first-app', 'mentor'], certifications: ['rapid', 'intermediate'], academy: { 'rapid-developer': 100, 'advanced-path': 40 },
  },
  {
    id: DEMO.profiles.adaKing, displayName: 'Ada King', jobTitle: 'Analyst', department: 'Research', country: 'NL',
    about: 'Notes on the Analytical Engine.', twitterUrl: null, linkedinUrl: 'https://www.linkedin.com/in/ada-king-demo',
    avatarUrl: null, profileEmail: 'ada.king@demo.custodian.test', recoveryEmail: null,
    points: 300, credits: 5, skills: ['Mendix', 'TypeScript'], industries: ['Healthcare'],
    achievements: ['first-app', 'bug-hunter'], certifications: ['rapid'], academy: { 'advanced-path': 75, 'intermediate-path': 20 },
  },
  {
    id: DEMO.profiles.grace, displayName: 'Grace Hopper', jobTitle: 'Architect', department: 'Platform', country: 'US',
    about: null, twitterUrl: null, linkedinUrl: null, avatarUrl: null, profileEmail: null, recoveryEmail: null,
    points: 800, credits: 12, skills: ['COBOL'], industries: ['Government'],
    achievements: ['first-app'], certifications: ['advanced'], academy: { 'rapid-developer': 100 },
  },
];

/** Creates the demo company, apps, profiles and accounts in one transaction. Returns false if already there. */
export async function seedDemo(sql: Sql, passwordHash: string): Promise<boolean> {
  return sql.begin(async (tx) => {
    // Serialise concurrent seeds; the second sees the first's company and stops.
    await tx`select pg_advisory_xact_lock(7420002)`;
    const [exists] = await tx`select 1 from companies where id = ${DEMO.companyId}`;
    if (exists) return false;
    await tx`insert into companies (id, name, password_expiry_days) values (${DEMO.companyId}, 'Demo Corp', 90)`;
    for (const p of PROFILES) await insertProfile(tx, p);
    const accounts = [
      { id: DEMO.accounts.ada, profileId: DEMO.profiles.ada, email: DEMO.emails.ada, admin: true },
      { id: DEMO.accounts.adaKing, profileId: DEMO.profiles.adaKing, email: DEMO.emails.adaKing, admin: false },
      { id: DEMO.accounts.grace, profileId: DEMO.profiles.grace, email: DEMO.emails.grace, admin: false },
    ];
    for (const a of accounts) {
      await insertAccount(tx, { id: a.id, profileId: a.profileId, email: a.email, passwordHash, companyId: DEMO.companyId, isCompanyAdmin: a.admin });
    }
    const apps = [
      { name: 'Expense Tracker', license: 'licensed', training: false, contact: DEMO.accounts.ada, members: [DEMO.accounts.ada, DEMO.accounts.grace] },
      { name: 'Onboarding Portal', license: 'licensed', training: false, contact: DEMO.accounts.grace, members: [DEMO.accounts.grace, DEMO.accounts.adaKing] },
      { name: 'My First App (training)', license: 'free', training: true, contact: DEMO.accounts.adaKing, members: [DEMO.accounts.adaKing] },
    ];
    for (const app of apps) {
      const [row] = await tx<{ id: string }[]>`
        insert into apps (company_id, name, license_type, is_training, technical_contact_account_id)
        values (${DEMO.companyId}, ${app.name}, ${app.license}, ${app.training}, ${app.contact}) returning id`;
      for (const m of app.members) {
        await tx`insert into app_members (app_id, account_id, role, can_access_backups) values (${row!.id}, ${m}, ${m === app.contact ? 'owner' : 'developer'}, ${m === app.contact})`;
        await tx`insert into watched_apps (account_id, app_id) values (${m}, ${row!.id})`;
      }
    }
    return true;
  });
}
