import { isCommonPassword } from '../../lib/commonPasswords';
import {
  PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULES, PASSWORD_SPECIALS, checkPassword, type PasswordContext, type PasswordRule,
} from '../../workflows/shared/passwordPolicy';

/** The unmet rules' codes, in the order checkPassword reports them. */
const unmet = (password: string, ctx: PasswordContext = {}): PasswordRule[] => checkPassword(password, ctx).map((p) => p.rule);
const withCommon = (email?: string): PasswordContext => ({ isCommon: isCommonPassword, ...(email ? { email } : {}) });

/** Meets every rule but length: one of each class, then `filler` up to `length` code points. */
const ofLength = (length: number, filler = 'x') => `Aa1!${filler.repeat(length - 4)}`;

describe('the published rules', () => {
  test('are exactly the seed\'s: 12 to 200 characters, the 32 special characters, in one list with stable codes', () => {
    expect(PASSWORD_MIN_LENGTH).toBe(12);
    expect(PASSWORD_MAX_LENGTH).toBe(200);
    expect(PASSWORD_SPECIALS).toBe('`~!@#$%^&*()-_+=[]{};:\'"\\|,.<>/?');
    expect([...PASSWORD_SPECIALS]).toHaveLength(32);
    expect(new Set(PASSWORD_SPECIALS).size).toBe(32);
    expect(PASSWORD_RULES.map((r) => r.rule)).toEqual([
      'password.too_short', 'password.too_long', 'password.no_special', 'password.no_digit', 'password.no_uppercase',
      'password.no_lowercase', 'password.too_common', 'password.contains_email',
    ]);
    for (const r of PASSWORD_RULES) {
      expect(r.rule).toMatch(/^password\.[a-z_]+$/);
      expect(r.description.length).toBeGreaterThan(5);
    }
    expect(PASSWORD_RULES.find((r) => r.rule === 'password.no_special')!.description).toContain(PASSWORD_SPECIALS);
  });

  test('each problem carries its rule\'s code and a message naming the rule', () => {
    const problems = checkPassword('');
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(Object.keys(p).sort()).toEqual(['message', 'rule']);
      expect(p.message).toContain(PASSWORD_RULES.find((r) => r.rule === p.rule)!.description);
    }
  });
});

describe('length: 12 to 200 characters, counted in code points of the NFKC form', () => {
  test.each([
    [11, ['password.too_short']],
    [12, []],
    [13, []],
    [199, []],
    [200, []],
    [201, ['password.too_long']],
  ])('%i ASCII characters → %j', (length, rules) => {
    expect(unmet(ofLength(length))).toEqual(rules);
  });

  test('the empty password and one character are too short', () => {
    expect(unmet('')).toContain('password.too_short');
    expect(unmet('A')).toContain('password.too_short');
  });

  test.each([
    ['an emoji (U+1F600)', '😀'],
    ['a CJK Extension B ideograph (U+20000)', '𠀀'],
    ['a Gothic letter (U+10330)', '𐌰'],
  ])('astral characters, %s, count once although they take two UTF-16 units', (_what, astral) => {
    expect(astral).toHaveLength(2);
    expect(ofLength(11, astral).length).toBe(4 + 7 * 2);
    expect(unmet(ofLength(11, astral))).toEqual(['password.too_short']);
    expect(unmet(ofLength(12, astral))).toEqual([]);
    // 200 code points are 396 UTF-16 units: still within the limit.
    expect(ofLength(200, astral).length).toBe(396);
    expect(unmet(ofLength(200, astral))).toEqual([]);
    expect(unmet(ofLength(201, astral))).toEqual(['password.too_long']);
  });

  test('a letter and a combining accent that compose (e + U+0301 → é) count as one character', () => {
    const decomposed = 'e\u0301';
    expect(unmet(ofLength(11, decomposed))).toEqual(['password.too_short']);
    expect(unmet(ofLength(12, decomposed))).toEqual([]);
    expect(unmet(ofLength(200, decomposed))).toEqual([]);
    expect(unmet(ofLength(201, decomposed))).toEqual(['password.too_long']);
    // The same password typed composed or decomposed gets the same verdict.
    expect(unmet(ofLength(201, 'é'))).toEqual(unmet(ofLength(201, decomposed)));
  });

  test('a combining mark with no precomposed form (q + U+0301) stays two code points, and counts as two', () => {
    const pair = 'q\u0301';
    expect(pair.normalize('NFKC')).toBe(pair);
    // 4 + 4 × 2 = 12 code points.
    expect(unmet(`Aa1!${pair.repeat(4)}`)).toEqual([]);
    // 4 + 3 × 2 + 1 = 11.
    expect(unmet(`Aa1!${pair.repeat(3)}q`)).toEqual(['password.too_short']);
  });

  test('compatibility characters are counted after NFKC expands them (ﬃ → ffi)', () => {
    // 7 code points as typed, 13 once normalised: the form that is hashed is what counts.
    expect(unmet('Aa1!\uFB03\uFB03\uFB03')).toEqual([]);
    // Full-width letters fold to ASCII one for one.
    expect(unmet('Ａａ１！ａａａａａａａ')).toEqual(['password.too_short']);
    expect(unmet('Ａａ１！ａａａａａａａａ')).toEqual([]);
  });
});

describe('special characters: at least one from the seed\'s list', () => {
  test.each([...PASSWORD_SPECIALS])('%s alone meets the rule', (special) => {
    expect(unmet(`Abcdefghij1${special}`)).toEqual([]);
    // Anywhere in the password.
    expect(unmet(`${special}Abcdefghij1`)).toEqual([]);
  });

  test.each([
    ['space', ' '],
    ['no-break space', '\u00A0'],
    ['tab', '\t'],
    ['euro sign', '€'],
    ['pound sign', '£'],
    ['section sign', '§'],
    ['inverted question mark', '¿'],
    ['multiplication sign', '×'],
    ['en dash', '–'],
    ['curly quote', '’'],
    ['emoji', '😀'],
    ['superscript two (folds to a digit, not a special)', '²'],
  ])('a character outside the list (%s) does not', (_what, other) => {
    expect(unmet(`Abcdefghij1${other}`)).toEqual(['password.no_special']);
  });

  test('full-width forms of listed characters count, since NFKC folds them (！ → !)', () => {
    expect(unmet('Abcdefghij1！')).toEqual([]);
    expect(unmet('Abcdefghij1＃')).toEqual([]);
  });
});

describe('digits, uppercase and lowercase letters, in any script', () => {
  test.each([
    ['ASCII', '7'],
    ['Arabic-Indic (U+0663)', '٣'],
    ['Devanagari (U+0969)', '३'],
    ['full-width (folds to 1)', '１'],
    ['mathematical bold, astral (folds to 1)', '𝟏'],
    ['Osmanya, astral (U+104A0)', '𐒠'],
  ])('a %s digit meets the digit rule', (_what, digit) => {
    expect(unmet(`Abcdefghijk!${digit}`)).toEqual([]);
  });

  test('a password without any digit', () => {
    expect(unmet('Abcdefghijk!')).toEqual(['password.no_digit']);
    // Numerals that are not decimal digits (Roman numeral twelve → "XII") do not count as digits.
    expect(unmet('Abcdefghijk!\u216B')).toEqual(['password.no_digit']);
  });

  test.each([
    ['Latin with accent', 'É', 'é'],
    ['Greek', 'Ω', 'ω'],
    ['Cyrillic', 'Ж', 'ж'],
    ['Armenian', 'Ա', 'ա'],
    ['Deseret, astral', '𐐀', '𐐨'],
  ])('%s upper and lower case letters count', (_what, upper, lower) => {
    expect(unmet(`${upper}${lower.repeat(9)}1!`)).toEqual([]);
    expect(unmet(`${lower.repeat(10)}1!`)).toEqual(['password.no_uppercase']);
    expect(unmet(`${upper.repeat(10)}1!`)).toEqual(['password.no_lowercase']);
  });

  test('ß is lowercase; letters without case (CJK, Arabic) are neither', () => {
    expect(unmet('ABCDEFGHIJß1!')).toEqual([]);
    expect(unmet('中文中文中文中文中文1!')).toEqual(['password.no_uppercase', 'password.no_lowercase']);
    expect(unmet('مرحبامرحبا1!')).toEqual(['password.no_uppercase', 'password.no_lowercase']);
  });
});

describe('common passwords, from the offline zxcvbn-ts list', () => {
  test.each(['Password123!', 'P@ssw0rd2024!', 'Qwerty123456!', 'Iloveyou-2026!', 'Sunshine-2026!'])('%s is refused as common', (password) => {
    expect(unmet(password, withCommon())).toEqual(['password.too_common']);
  });

  test('an uncommon password meeting every rule passes', () => {
    expect(unmet('Tr0ub4dor&3xyz', withCommon())).toEqual([]);
    expect(unmet('Merge-me-2026!', withCommon())).toEqual([]);
  });

  test('the check is on the normalised form: full-width "ｐａｓｓｗｏｒｄ" is still "password"', () => {
    expect(unmet('Ｐａｓｓｗｏｒｄ１２３！', withCommon())).toEqual(['password.too_common']);
  });

  test('without a common-password check (the pure leaf\'s default) the rule is never reported', () => {
    expect(unmet('Password123!')).toEqual([]);
  });
});

describe('the account\'s email local part', () => {
  test('is refused anywhere in the password, in any case', () => {
    for (const password of ['My-ada.lovelace-2026', 'My-ADA.LOVELACE-2026', 'ada.lovelace-2026!X']) {
      expect(unmet(password, { email: 'ada.lovelace@demo.custodian.test' })).toEqual(['password.contains_email']);
    }
  });

  test('the domain is not the local part, and other local parts pass', () => {
    expect(unmet('Demo-custodian-2026!', { email: 'ada@demo.custodian.test' })).toEqual([]);
    expect(unmet('My-grace-2026!', { email: 'ada@demo.custodian.test' })).toEqual([]);
  });

  test('local parts under three characters are not applied (they would refuse half of all passwords)', () => {
    expect(unmet('My-ab-2026-Zzzzz', { email: 'ab@x.test' })).toEqual([]);
    expect(unmet('My-abc-2026-Zzzz', { email: 'abc@x.test' })).toEqual(['password.contains_email']);
  });

  test('the local part is compared in its NFKC form: a full-width ａｄａ in the password is still ada', () => {
    expect(unmet('My-ａｄａ-2026-Zz', { email: 'ada@x.test' })).toEqual(['password.contains_email']);
  });
});

describe('every unmet rule at once', () => {
  test('a short password reports every rule it breaks, in the published order', () => {
    expect(unmet('password', withCommon('password@x.test'))).toEqual([
      'password.too_short', 'password.no_special', 'password.no_digit', 'password.no_uppercase', 'password.too_common', 'password.contains_email',
    ]);
    expect(unmet('')).toEqual(['password.too_short', 'password.no_special', 'password.no_digit', 'password.no_uppercase', 'password.no_lowercase']);
  });

  test('a long one too: every rule but too_short (the two length rules exclude each other)', () => {
    const long = 'ada'.repeat(67) + 'x'; // 202 lowercase characters: no special, digit or uppercase
    expect(unmet(long, { email: 'ada@x.test' })).toEqual([
      'password.too_long', 'password.no_special', 'password.no_digit', 'password.no_uppercase', 'password.contains_email',
    ]);
    expect(unmet('1'.repeat(201))).toEqual(['password.too_long', 'password.no_special', 'password.no_uppercase', 'password.no_lowercase']);
  });

  test('every rule is reachable and reported in PASSWORD_RULES order', () => {
    const seen = new Set<PasswordRule>();
    const order = PASSWORD_RULES.map((r) => r.rule);
    for (const [password, email] of [['password', 'password@x.test'], ['A'.repeat(201), undefined]] as const) {
      const rules = unmet(password, withCommon(email));
      expect(rules).toEqual([...rules].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
      rules.forEach((r) => seen.add(r));
    }
    expect([...seen].sort()).toEqual([...order].sort());
  });
});
