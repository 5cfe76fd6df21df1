import { randomUUID } from 'node:crypto';
import { checkedHttp, expectError, expectInvalid } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';
import type { Person } from '../helpers/people';

const stack = suiteStack({ worker: false });
const { call, signedIn } = checkedHttp(stack);

async function app(name: string, members: Person[], watching: Person[] = members): Promise<string> {
  const [company] = await stack.sql<{ id: string }[]>`insert into companies (name) values (${`${name} Corp`}) returning id`;
  const [row] = await stack.sql<{ id: string }[]>`insert into apps (company_id, name) values (${company!.id}, ${name}) returning id`;
  for (const m of members) await stack.sql`insert into app_members (app_id, account_id) values (${row!.id}, ${m.accountIds[0]!})`;
  for (const m of watching) await stack.sql`insert into watched_apps (account_id, app_id) values (${m.accountIds[0]!}, ${row!.id})`;
  return row!.id;
}

describe('Buzz settings', () => {
  test('defaults: daily digest off, active threads on, and no rows stored', async () => {
    const { person, token } = await signedIn();
    const r = await call('GET', '/v1/notification-settings', { token });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ buzz: { dailyDigest: false, activeThreads: true } });
    expect(await stack.sql`select * from notification_settings where profile_id = ${person.profileId}`).toHaveLength(0);
  });

  test('PATCH stores only values that differ from the default; setting a default back removes the row', async () => {
    const { person, token } = await signedIn();
    const rows = () => stack.sql<{ key: string; value: unknown }[]>`select key, value from notification_settings where profile_id = ${person.profileId} order by key`;
    let r = await call('PATCH', '/v1/notification-settings', { token, body: { buzz: { dailyDigest: true } } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ buzz: { dailyDigest: true, activeThreads: true } });
    expect(await rows()).toEqual([{ key: 'buzz.daily_digest', value: true }]);

    r = await call('PATCH', '/v1/notification-settings', { token, body: { buzz: { activeThreads: false, dailyDigest: false } } });
    expect(r.body).toEqual({ buzz: { dailyDigest: false, activeThreads: false } });
    expect(await rows()).toEqual([{ key: 'buzz.active_threads', value: false }]);
    expect((await call('GET', '/v1/notification-settings', { token })).body).toEqual({ buzz: { dailyDigest: false, activeThreads: false } });

    // Someone else's settings are their own.
    const other = await signedIn();
    expect((await call('GET', '/v1/notification-settings', { token: other.token })).body).toEqual({ buzz: { dailyDigest: false, activeThreads: true } });
  });

  test('bad input: unknown fields, wrong types, no session', async () => {
    const { token } = await signedIn();
    expectInvalid(await call('PATCH', '/v1/notification-settings', { token, body: { buzz: { dailyDigest: 'yes' } } }), 'body.buzz.dailyDigest');
    expectInvalid(await call('PATCH', '/v1/notification-settings', { token, body: { buzz: { weekly: true } } }), 'body.buzz');
    expectInvalid(await call('PATCH', '/v1/notification-settings', { token, body: { email: true } }), 'body');
    expectError(await call('PATCH', '/v1/notification-settings', { body: { buzz: {} } }), 401, 'auth.unauthenticated');
    expectError(await call('GET', '/v1/notification-settings'), 401, 'auth.unauthenticated');
  });
});

describe('watched apps', () => {
  test('list, stop watching, watch again; only apps the account is a member of', async () => {
    const me = await signedIn();
    const other = await signedIn();
    const beacon = await app('Beacon', [me.person, other.person]);
    const lantern = await app('Lantern', [me.person], []);
    const secret = await app('Secret', [other.person]);

    let r = await call('GET', '/v1/notification-settings/watched-apps', { token: me.token });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ apps: [{ id: beacon, name: 'Beacon', companyId: expect.any(String), watchedAt: expect.any(String) }] });

    expect((await call('DELETE', `/v1/notification-settings/watched-apps/${beacon}`, { token: me.token })).status).toBe(204);
    expect((await call('GET', '/v1/notification-settings/watched-apps', { token: me.token })).body).toEqual({ apps: [] });
    // The other member still watches it.
    expect((await call('GET', '/v1/notification-settings/watched-apps', { token: other.token })).body.apps.map((a: { id: string }) => a.id))
      .toEqual(expect.arrayContaining([beacon, secret]));
    // Already not watched.
    expectError(await call('DELETE', `/v1/notification-settings/watched-apps/${beacon}`, { token: me.token }), 404, 'app.not_found');

    r = await call('PUT', `/v1/notification-settings/watched-apps/${lantern}`, { token: me.token });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: lantern, name: 'Lantern', companyId: expect.any(String), watchedAt: expect.any(String) });
    // Idempotent.
    expect((await call('PUT', `/v1/notification-settings/watched-apps/${lantern}`, { token: me.token })).body.watchedAt).toBe(r.body.watchedAt);
    expect((await call('PUT', `/v1/notification-settings/watched-apps/${beacon}`, { token: me.token })).status).toBe(200);
    expect((await call('GET', '/v1/notification-settings/watched-apps', { token: me.token })).body.apps.map((a: { name: string }) => a.name))
      .toEqual(['Beacon', 'Lantern']);

    // Another member's app, and an unknown one: 404 alike, and nothing is written.
    expectError(await call('PUT', `/v1/notification-settings/watched-apps/${secret}`, { token: me.token }), 404, 'app.not_found');
    expectError(await call('DELETE', `/v1/notification-settings/watched-apps/${secret}`, { token: me.token }), 404, 'app.not_found');
    expectError(await call('PUT', `/v1/notification-settings/watched-apps/${randomUUID()}`, { token: me.token }), 404, 'app.not_found');
    expect(await stack.sql`select 1 from watched_apps where app_id = ${secret} and account_id = ${me.person.accountIds[0]!}`).toHaveLength(0);
    // The other member's watch of it is untouched.
    expect(await stack.sql`select 1 from watched_apps where app_id = ${secret} and account_id = ${other.person.accountIds[0]!}`).toHaveLength(1);
  });

  test('bad input: a malformed app id, no session', async () => {
    const { token } = await signedIn();
    expectInvalid(await call('PUT', '/v1/notification-settings/watched-apps/not-a-uuid', { token }), 'params.appId');
    expectInvalid(await call('DELETE', '/v1/notification-settings/watched-apps/not-a-uuid', { token }), 'params.appId');
    expectError(await call('GET', '/v1/notification-settings/watched-apps'), 401, 'auth.unauthenticated');
    expectError(await call('PUT', `/v1/notification-settings/watched-apps/${randomUUID()}`), 401, 'auth.unauthenticated');
  });
});
