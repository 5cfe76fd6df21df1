// Response headers every client gets (helmet, no-store on /v1), the index at `/`, and API_DOCS=false.
import { randomUUID } from 'node:crypto';
import { checkedHttp, expectError } from '../helpers/http';
import { createPerson, PASSWORD } from '../helpers/people';
import type { HttpResult } from '../helpers/stack';
import { suiteStack } from '../helpers/suiteStack';

const directives = (r: HttpResult) =>
  Object.fromEntries((r.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));

describe('with the docs on (the default)', () => {
  const stack = suiteStack({ worker: false });
  const { call, signedIn } = checkedHttp(stack);

  test('every answer, errors included, is nosniff, never framed, and under a CSP that allows nothing', async () => {
    const { token } = await signedIn();
    const answers = [
      await call('GET', '/'),
      await call('GET', '/healthz'),
      await call('GET', '/openapi.json'),
      await call('GET', `/v1/profile/merges/${randomUUID()}`, { token }),
      await call('POST', '/v1/sessions', { body: {} }),
      await call('GET', '/nope'),
    ];
    for (const r of answers) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-powered-by')).toBeNull();
      expect(directives(r)).toEqual({ 'default-src': "'none'", 'frame-ancestors': "'none'", 'base-uri': "'none'", 'form-action': "'none'" });
    }
  });

  test('every /v1 answer is Cache-Control: no-store, errors and unknown /v1 routes included', async () => {
    const { token } = await signedIn();
    const answers = [
      await call('GET', `/v1/profile/merges/${randomUUID()}`, { token }), // 404
      await call('POST', '/v1/sessions', { body: {} }), // 400
      await call('GET', '/v1/sessions'), // 405
      await call('GET', '/v1/nope'), // 404 route.not_found
      await call('DELETE', '/v1/sessions/current'), // 401
    ];
    expect(answers.map((r) => r.status)).toEqual([404, 400, 405, 404, 401]);
    for (const r of answers) expect(r.headers.get('cache-control')).toBe('no-store');
    const person = await createPerson(stack.sql);
    const session = await call('POST', '/v1/sessions', { body: { email: person.emails[0], password: PASSWORD } });
    expect(session.status).toBe(201);
    expect(session.headers.get('cache-control')).toBe('no-store');
  });

  test('/docs runs under its own CSP: scripts from this origin only, never inline; inline styles allowed', async () => {
    const page = await call('GET', '/docs/');
    expect(page.status).toBe(200);
    const csp = directives(page);
    expect(csp).toMatchObject({ 'default-src': "'self'", 'script-src': "'self'", 'frame-ancestors': "'none'", 'object-src': "'none'" });
    expect(csp['script-src']).not.toMatch(/unsafe/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // Every script the page loads is a file of its own, served from here; none is inline.
    const scripts = [...(page.body as string).matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(body!.trim()).toBe('');
      const src = /src="\.\/([^"]+)"/.exec(attrs!)?.[1];
      expect(src).toBeDefined();
      const asset = await stack.http('GET', `/docs/${src}`);
      expect({ src, status: asset.status, type: asset.headers.get('content-type') }).toEqual({ src, status: 200, type: expect.stringMatching(/javascript/) });
    }
  });

  test('GET / links to the docs, the document and the probes', async () => {
    const r = await call('GET', '/');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ name: 'Custodian API', links: { docs: '/docs', openapi: '/openapi.json', health: '/healthz', readiness: '/readyz' } });
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expectError(await call('POST', '/'), 405, 'request.method_not_allowed');
  });
});

describe('with API_DOCS=false', () => {
  const stack = suiteStack({ worker: false, env: { API_DOCS: 'false' } });
  const { call } = checkedHttp(stack);

  test.each(['/docs', '/docs/', '/docs/swagger-ui-init.js', '/openapi.json'])('GET %s → 404 route.not_found', async (path) => {
    expectError(await call('GET', path), 404, 'route.not_found');
  });

  test('GET / omits the docs links', async () => {
    const r = await call('GET', '/');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ name: 'Custodian API', links: { health: '/healthz', readiness: '/readyz' } });
  });

  test('the API itself still answers', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
  });
});
