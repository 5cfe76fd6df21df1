import { findAccountForSignIn } from '../../db/queries/accounts';
import { DEMO, seedDemo } from '../../db/queries/demo';
import { listAccountEmails } from '../../db/queries/inspect';
import { loadProfileSnapshot } from '../../db/queries/profiles';
import { hashPassword, verifyPassword } from '../../lib/passwords';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startTestStack, type TestStack } from '../helpers/stack';
import { runScript } from '../helpers/scripts';


const runSeed = (databaseUrl: string) => runScript('scripts/seed-demo.ts', { DATABASE_URL: databaseUrl });

const sorted = (xs: string[]) => [...xs].sort();

describe('npm run seed:demo', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('creates the demo once; a second run finds it and changes nothing', async () => {
    const first = await runSeed(db.url);
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    expect(first.stdout).toContain('demo data created');
    const adaBefore = await loadProfileSnapshot(db.sql, DEMO.profiles.ada);

    const second = await runSeed(db.url);
    expect({ status: second.status, stderr: second.stderr }).toEqual({ status: 0, stderr: '' });
    expect(second.stdout).toContain('demo data already present');
    expect(second.stdout).not.toContain('created');

    expect(await listAccountEmails(db.sql)).toEqual(sorted([DEMO.emails.ada, DEMO.emails.adaKing, DEMO.emails.grace]));
    expect(await loadProfileSnapshot(db.sql, DEMO.profiles.ada)).toEqual(adaBefore);
  });

  test('Ada has two profiles, each with its own account and community data', async () => {
    const ada = await loadProfileSnapshot(db.sql, DEMO.profiles.ada);
    const adaKing = await loadProfileSnapshot(db.sql, DEMO.profiles.adaKing);
    const grace = await loadProfileSnapshot(db.sql, DEMO.profiles.grace);

    expect(ada).toMatchObject({
      displayName: 'Ada Lovelace', jobTitle: 'Lead Developer', country: 'GB', points: 1200, credits: 30,
      accountIds: [DEMO.accounts.ada],
      academyProgress: { 'rapid-developer': 100, 'advanced-path': 40 },
    });
    expect(sorted(ada!.skills)).toEqual(['Temporal', 'TypeScript']);
    expect(ada!.industries).toEqual(['Finance']);
    expect(sorted(ada!.achievements)).toEqual(['first-app', 'mentor']);
    expect(sorted(ada!.certifications)).toEqual(['intermediate', 'rapid']);

    expect(adaKing).toMatchObject({
      displayName: 'Ada King', jobTitle: 'Analyst', department: 'Research', country: 'NL', points: 300, credits: 5,
      profileEmail: 'ada.king@demo.custodian.test',
      accountIds: [DEMO.accounts.adaKing],
      academyProgress: { 'advanced-path': 75, 'intermediate-path': 20 },
    });
    expect(sorted(adaKing!.skills)).toEqual(['Mendix', 'TypeScript']);
    expect(adaKing!.industries).toEqual(['Healthcare']);
    expect(sorted(adaKing!.achievements)).toEqual(['bug-hunter', 'first-app']);
    expect(adaKing!.certifications).toEqual(['rapid']);

    expect(grace).toMatchObject({ displayName: 'Grace Hopper', accountIds: [DEMO.accounts.grace], skills: ['COBOL'] });
  });

  test('every demo account has the demo password, hashed with argon2id', async () => {
    for (const email of Object.values(DEMO.emails)) {
      const account = await findAccountForSignIn(db.sql, email);
      expect(account).toMatchObject({ status: 'active' });
      expect(account!.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(account!.passwordHash, DEMO.password)).toEqual({ ok: true, needsRehash: false });
      expect((await verifyPassword(account!.passwordHash, 'not-the-demo-password')).ok).toBe(false);
    }
  });
});

describe('the demo through the API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  test('two seeds at once create the demo exactly once', async () => {
    const hash = await hashPassword(DEMO.password);
    const results = await Promise.all([seedDemo(stack.sql, hash), seedDemo(stack.sql, hash)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await listAccountEmails(stack.sql)).toEqual(sorted(Object.values(DEMO.emails)));
  });

  test('a demo account signs in with the demo password', async () => {
    const ok = await stack.http('POST', '/v1/sessions', { body: { email: DEMO.emails.adaKing, password: DEMO.password } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ accountId: DEMO.accounts.adaKing, profileId: DEMO.profiles.adaKing, token: expect.any(String) });

    const wrong = await stack.http('POST', '/v1/sessions', { body: { email: DEMO.emails.ada, password: 'Merge-me-2025!' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('auth.invalid_credentials');

    const token = await stack.signIn(DEMO.emails.ada, DEMO.password);
    expect(token).toEqual(expect.any(String));
  });
});
