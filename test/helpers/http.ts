import { createPerson, type Person } from './people';
import type { HttpResult, TestStack } from './stack';

type Options = Parameters<TestStack['http']>[2];
// `rules`: the stable codes of the unmet password rules of a `password.policy_violation` (libraries/passwordRules.ts).
const KEYS = new Set(['error', 'code', 'details', 'attemptsLeft', 'rules']);

export function expectErrorShape(r: HttpResult, what: string): void {
  expect({ what, type: r.headers.get('content-type') }).toEqual({ what, type: expect.stringMatching(/^application\/json/) });
  expect(r.body).toEqual(expect.objectContaining({ error: expect.any(String), code: expect.stringMatching(/^[a-z_]+(\.[a-z_]+)+$/) }));
  expect(Object.keys(r.body).filter((k) => !KEYS.has(k))).toEqual([]);
  if ('details' in r.body) {
    expect(r.body.details).toEqual(expect.arrayContaining([{ path: expect.any(String), message: expect.any(String) }]));
    for (const d of r.body.details) expect(Object.keys(d).sort()).toEqual(['message', 'path']);
  }
}

export function expectError(r: HttpResult, status: number, code: string | RegExp): void {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code: typeof code === 'string' ? code : expect.stringMatching(code) });
}

export function expectInvalid(r: HttpResult, ...paths: string[]): void {
  expectError(r, 400, 'request.invalid');
  expect(r.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(paths));
}

/** Checked requests against a suite's stack, and signed-in people. */
export function checkedHttp(stack: TestStack) {
  /**
   * Every request of a suite goes through here: no answer may be a 5xx other than the documented
   * mail.unavailable (in NODE_ENV=test an undocumented status or a schema-breaking body becomes a 500),
   * and every 4xx must be the one JSON error shape.
   */
  async function call(method: string, path: string, opts?: Options): Promise<HttpResult> {
    const r = await stack.http(method, path, opts);
    // The one documented 5xx: the mail server refused a code (503 mail.unavailable).
    if (r.status >= 500 && !(r.status === 503 && r.body?.code === 'mail.unavailable')) {
      throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    }
    if (r.status >= 400) expectErrorShape(r, `${method} ${path}`);
    return r;
  }

  async function signedIn(opts: Parameters<typeof createPerson>[1] = {}): Promise<{ person: Person; token: string }> {
    const person = await createPerson(stack.sql, opts);
    return { person, token: await stack.signIn(person.emails[0]!) };
  }

  return { call, signedIn };
}
