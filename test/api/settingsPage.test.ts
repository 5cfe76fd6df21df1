import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });

const directives = (csp: string | null) =>
  Object.fromEntries((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));

test('GET /settings serves the page under a strict CSP: scripts from this origin only, none inline', async () => {
  const r = await stack.http('GET', '/settings');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/html/);
  const csp = directives(r.headers.get('content-security-policy'));
  expect(csp).toMatchObject({
    'default-src': "'none'", 'script-src': "'self'", 'style-src': "'self'", 'connect-src': "'self'", 'frame-ancestors': "'none'",
  });
  expect(Object.values(csp).join(' ')).not.toMatch(/unsafe/);
  expect(r.headers.get('x-frame-options')).toBe('DENY');
  const scripts = [...(r.body as string).matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.map(([, attrs, body]) => ({ attrs: attrs!.trim(), body }))).toEqual([{ attrs: 'src="/settings/settings.js" defer', body: '' }]);
  expect(r.body).not.toMatch(/\son[a-z]+=/i); // no inline event handlers
});

test('the page\'s files are served; anything else under /settings is the API\'s 404', async () => {
  const js = await stack.http('GET', '/settings/settings.js');
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toMatch(/javascript/);
  expect((await stack.http('GET', '/settings/settings.css')).headers.get('content-type')).toMatch(/^text\/css/);
  const missing = await stack.http('GET', '/settings/nope.js');
  expect(missing.status).toBe(404);
  expect(missing.body).toMatchObject({ code: 'route.not_found' });
});
