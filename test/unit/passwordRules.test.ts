import { AppError } from '../../lib/errors';
import { assertAcceptablePassword, assertPasswordManagedHere, passwordProblems, publishedPasswordPolicy } from '../../libraries/passwordRules';
import { PASSWORD_RULES, PASSWORD_SPECIALS } from '../../workflows/shared/passwordPolicy';

function thrown(fn: () => void): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError');
}

describe('assertAcceptablePassword', () => {
  test('accepts a password meeting every rule', () => {
    expect(() => assertAcceptablePassword('Tr0ub4dor&3xyz', { email: 'ada@x.test' })).not.toThrow();
  });

  test('throws 422 password.policy_violation listing every unmet rule: details per rule, codes in `rules`', () => {
    const err = thrown(() => assertAcceptablePassword('password', { email: 'password@x.test', field: 'body.newPassword' }));
    expect(err.status).toBe(422);
    expect(err.code).toBe('password.policy_violation');
    const rules = ['password.too_short', 'password.no_special', 'password.no_digit', 'password.no_uppercase', 'password.too_common', 'password.contains_email'];
    expect(err.extra.fields).toEqual({ rules });
    expect(err.extra.details).toEqual(rules.map(() => ({ path: 'body.newPassword', message: expect.stringMatching(/^Unmet: /) })));
    expect(err.message).toMatch(/6 unmet rules/);
  });

  test('uses the common-password list, and `body.password` as the default field', () => {
    const err = thrown(() => assertAcceptablePassword('Password123!'));
    expect(err.extra.fields).toEqual({ rules: ['password.too_common'] });
    expect(err.extra.details).toEqual([{ path: 'body.password', message: expect.any(String) }]);
    expect(err.message).toMatch(/1 unmet rule\)/);
  });

  test('never quotes the password in the error', () => {
    const err = thrown(() => assertAcceptablePassword('secretive-lowercase'));
    expect(JSON.stringify({ m: err.message, e: err.extra })).not.toContain('secretive');
  });

  test('passwordProblems is the same check without throwing', () => {
    expect(passwordProblems('Password123!').map((p) => p.rule)).toEqual(['password.too_common']);
    expect(passwordProblems('Tr0ub4dor&3xyz')).toEqual([]);
  });
});

test('assertPasswordManagedHere refuses SSO accounts with 409 account.sso_managed, naming the identity provider', () => {
  expect(() => assertPasswordManagedHere({ sso: false })).not.toThrow();
  const err = thrown(() => assertPasswordManagedHere({ sso: true }));
  expect(err.status).toBe(409);
  expect(err.code).toBe('account.sso_managed');
  expect(err.message).toMatch(/identity provider/);
});

test('publishedPasswordPolicy publishes the constants checkPassword applies', () => {
  expect(publishedPasswordPolicy()).toEqual({
    minLength: 12,
    maxLength: 200,
    lengthUnit: 'characters',
    specialCharacters: PASSWORD_SPECIALS,
    rules: PASSWORD_RULES.map((r) => ({ code: r.rule, description: r.description })),
  });
});
