// The durable budget of wrong codes: cancelling and restarting a flow never refills the guesses, and the
// budget lives in Postgres, so a restarted API (or a second one) sees it too.
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { listAuditForSubject } from '../../db/queries/audit';
import { BUDGETS } from '../../libraries/budgets';
import { createLogger } from '../../lib/logger';
import { expectError } from '../helpers/http';
import { codeFromMail } from '../helpers/mailSink';
import { mergeApi, otherCode } from '../helpers/mergeApi';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, signedIn, startMerge, codeFor } = mergeApi(stack);
const LIMIT = BUDGETS.codeProofsPerSubject.limit;

/** A second API process on the same database and Temporal, as after a restart. */
async function secondApi() {
  const app = createApp({ config: stack.config, sql: stack.sql, temporal: stack.client, logger: createLogger(stack.config, 'api-2') });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    post: async (path: string, token: string, body: unknown) => {
      const res = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { code?: string } };
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

test('start, code, wrong guesses, cancel, again: the loop stops at the subject\'s budget, also on a restarted API', async () => {
  const me = await signedIn();
  const other = await createPerson(stack.sql);
  let wrongSoFar = 0;
  let round = 0;
  let code = '';
  for (;;) {
    // A new merge may open once the previous run has closed its record and freed the profiles.
    const merge = await eventually(() => startMerge(me.token, other));
    expect((await call('POST', `/v1/profile/merges/${merge.id}/code`, { token: me.token, body: { emailOptionId: merge.optionId } })).status).toBe(200);
    round += 1;
    code = await eventually(() => {
      const mail = stack.mail.messages.filter((m) => m.to.includes(other.emails[0]!))[round - 1];
      if (!mail) throw new Error('code mail not yet arrived');
      return codeFromMail(mail);
    });
    let stopped = false;
    for (let i = 0; i < 4; i++) {
      const r = await call('POST', `/v1/profile/merges/${merge.id}/verification`, { token: me.token, body: { code: otherCode(code) } });
      if (r.status === 429) {
        expectError(r, 429, 'verification_code.too_many_attempts');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
        stopped = true;
        break;
      }
      expectError(r, 422, 'verification_code.invalid');
      wrongSoFar += 1;
    }
    if (stopped) {
      expect(wrongSoFar).toBe(LIMIT);
      // Even the right code is refused while the budget is spent: nothing is checked at all.
      expectError(await call('POST', `/v1/profile/merges/${merge.id}/verification`, { token: me.token, body: { code } }), 429, 'verification_code.too_many_attempts');
      // A restarted API reads the same budget from Postgres.
      const api2 = await secondApi();
      try {
        const r = await api2.post(`/v1/profile/merges/${merge.id}/verification`, me.token, { code: otherCode(code) });
        expect({ status: r.status, code: r.body.code }).toEqual({ status: 429, code: 'verification_code.too_many_attempts' });
      } finally {
        await api2.close();
      }
      break;
    }
    expect((await call('DELETE', `/v1/profile/merges/${merge.id}`, { token: me.token })).status).toBe(200);
    expect(round).toBeLessThan(LIMIT);
  }
  const audit = await listAuditForSubject(stack.sql, 'profile', other.profileId);
  expect(audit.filter((e) => e.action === 'verification_code.wrong')).toHaveLength(LIMIT);
  expect(audit.filter((e) => e.action === 'verification_code.budget_exhausted').length).toBeGreaterThanOrEqual(1);
  expect(audit.filter((e) => e.action === 'merge.started')).toHaveLength(round);
}, 60_000);

test('a right code gives its point back: verifying does not spend the budget', async () => {
  const me = await signedIn();
  const other = await createPerson(stack.sql);
  const merge = await startMerge(me.token, other);
  await call('POST', `/v1/profile/merges/${merge.id}/code`, { token: me.token, body: { emailOptionId: merge.optionId } });
  const code = await codeFor(other.emails[0]!);
  expect((await call('POST', `/v1/profile/merges/${merge.id}/verification`, { token: me.token, body: { code } })).status).toBe(200);
  const audit = await listAuditForSubject(stack.sql, 'profile', other.profileId);
  expect(audit.filter((e) => e.action.startsWith('verification_code.'))).toEqual([]);
});

test('at most 10 codes a day reach one address, across flows: the 11th request answers 429 too_many_codes', async () => {
  const me = await signedIn();
  const other = await createPerson(stack.sql);
  const limit = BUDGETS.codesPerAddress.limit;
  for (let sent = 0; ; sent++) {
    const merge = await eventually(() => startMerge(me.token, other));
    const r = await call('POST', `/v1/profile/merges/${merge.id}/code`, { token: me.token, body: { emailOptionId: merge.optionId } });
    if (sent < limit) {
      expect(r.status).toBe(200);
    } else {
      expectError(r, 429, 'verification_code.too_many_codes');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
      break;
    }
    expect((await call('DELETE', `/v1/profile/merges/${merge.id}`, { token: me.token })).status).toBe(200);
  }
  await eventually(() => expect(stack.mail.messages.filter((m) => m.to.includes(other.emails[0]!))).toHaveLength(limit));
}, 60_000);
