import { PASSWORD_RULES, PASSWORD_SPECIALS } from '../../workflows/shared/passwordPolicy';
import { checkedHttp } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';

// No worker: publishing the policy runs no workflow.
const stack = suiteStack({ worker: false });
const { call } = checkedHttp(stack);

describe('GET /v1/password-policy', () => {
  test('is public and publishes every rule with its stable code, the lengths and the special characters', async () => {
    const r = await call('GET', '/v1/password-policy');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      minLength: 12,
      maxLength: 200,
      lengthUnit: 'characters',
      specialCharacters: '`~!@#$%^&*()-_+=[]{};:\'"\\|,.<>/?',
      rules: PASSWORD_RULES.map((rule) => ({ code: rule.rule, description: rule.description })),
    });
    expect(r.body.specialCharacters).toBe(PASSWORD_SPECIALS);
    expect(r.body.rules.map((x: { code: string }) => x.code)).toEqual([
      'password.too_short', 'password.too_long', 'password.no_special', 'password.no_digit', 'password.no_uppercase',
      'password.no_lowercase', 'password.too_common', 'password.contains_email',
    ]);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  test('ignores a session: a bad token does not turn it into 401', async () => {
    const r = await call('GET', '/v1/password-policy', { headers: { authorization: 'Bearer not-a-real-token-at-all' } });
    expect(r.status).toBe(200);
  });

  test('other methods → 405 with Allow', async () => {
    const r = await call('POST', '/v1/password-policy', { body: {} });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD');
  });
});
