// What a merge's email options show of an address: the first character and the domain's last label.
import { maskEmail } from '../../lib/mask';

describe('maskEmail', () => {
  test.each([
    ['ada@demo.custodian.test', 'a•••@•••.test'],
    ['grace.hopper@navy.mil', 'g•••@•••.mil'],
    ['x@example.co.uk', 'x•••@•••.uk'],
    ['Bob@Example.COM', 'B•••@•••.COM'],
    ['root@localhost', 'r•••@•••'],
    ['a@b@weird.org', 'a•••@•••.org'],
  ])('%s → %s', (address, masked) => {
    expect(maskEmail(address)).toBe(masked);
  });

  test('keeps at most one character of the local part and nothing of the domain but its last label', () => {
    const masked = maskEmail('ada.lovelace@analytical-engine.example.org');
    expect(masked).toBe('a•••@•••.org');
    for (const leak of ['ada', 'lovelace', 'analytical', 'engine', 'example']) expect(masked).not.toContain(leak);
  });

  test('an emoji first character stays whole', () => {
    expect(maskEmail('😀x@example.test')).toBe('😀•••@•••.test');
  });

  test('no local part, or no @ at all, shows nothing', () => {
    expect(maskEmail('@example.test')).toBe('•••');
    expect(maskEmail('not-an-address')).toBe('•••');
  });
});
