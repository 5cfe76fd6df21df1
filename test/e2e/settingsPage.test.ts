// The /settings page in a real browser: Debian's chromium driven by playwright-core (Playwright's own
// browser download is out of reach here). One walk through a merge, from sign-in to completion, with the
// code read from the suite's SMTP sink; no Content-Security-Policy violation on the way.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { codeFromMail } from '../helpers/mailSink';
import { PASSWORD, createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

const stack = suiteStack();
let context: BrowserContext | undefined;
let profileDir: string | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  profileDir = mkdtempSync(join(tmpdir(), 'custodian-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}, 30_000);
afterAll(async () => {
  await context?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

const walk = haveChromium ? test : test.skip;
walk(`the settings page walks a merge from sign-in to completion${haveChromium ? '' : ` (SKIPPED: no ${CHROMIUM}; apt-get install -y chromium)`}`, async () => {
  const me = await createPerson(stack.sql, { profile: { displayName: 'Ada Lovelace' } });
  const other = await createPerson(stack.sql, { profile: { displayName: 'Ada King', jobTitle: 'Analyst' } });
  const page = await context!.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    // A failed request is reported below, with its URL.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });

  const response = await page.goto(`${stack.baseUrl}/settings`);
  expect(response!.status()).toBe(200);
  expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);

  await page.fill('#signin-email', me.emails[0]!);
  await page.fill('#signin-password', PASSWORD);
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#app:not([hidden])');
  await page.waitForSelector('#accounts-body tr');
  expect(await page.locator('#accounts-body tr').count()).toBe(1);

  await page.fill('#merge-email', other.emails[0]!);
  await page.click('#merge-start');
  await page.waitForSelector('#merge-code-form:not([hidden])');
  await page.click('#merge-send');
  const mail = await stack.mail.waitFor((m) => m.to.includes(other.emails[0]!));
  await page.waitForSelector('#merge-verify-form:not([hidden])');
  await page.fill('#merge-code', codeFromMail(mail));
  await page.click('#merge-verify');
  await page.waitForSelector('#merge-preview-box:not([hidden])');
  expect(await page.textContent('#merge-preview')).toContain('Analyst');
  await page.click('#merge-confirm');
  await page.waitForSelector('#merge-result:text-is("Merge completed.")');

  // The other profile's account is now one of mine, and the page shows it.
  await page.waitForSelector('#accounts-body tr:nth-child(2)');
  const accounts = await stack.sql<{ id: string }[]>`select id from accounts where profile_id = ${me.profileId}`;
  expect(accounts.map((a) => a.id).sort()).toEqual([...me.accountIds, ...other.accountIds].sort());

  // Notification settings and personal data from the same page.
  await page.check('#buzz-dailyDigest');
  await page.waitForSelector('#message:text-is("Notification settings saved.")');
  await page.click('#pd-view');
  await page.waitForSelector('#pd-output:has-text("custodian.personal-data")');
  expect(await page.textContent('#pd-output')).toContain(other.accountIds[0]!);

  // Making the profile public: refused with every missing item listed (no avatar, no skills…).
  await page.click('#make-public');
  await page.waitForSelector('#message:has-text("profile.not_publishable")');
  expect(await page.locator('#missing li').count()).toBeGreaterThan(1);
  const refused = `422 ${stack.baseUrl}/v1/profile/visibility`;
  expect(problems.filter((p) => p !== refused)).toEqual([]);
}, 30_000);
