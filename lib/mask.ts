const HIDDEN = '•••';

/**
 * `ada@demo.custodian.test` -> `a•••@•••.test`: the first character and the domain's last label, no more.
 * Enough for the owner to recognise among a few options, too little to learn who has an account: the
 * domain would tell an employer, and a longer prefix a name.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return HIDDEN;
  const first = String.fromCodePoint(address.codePointAt(0)!);
  const domain = address.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const lastLabel = dot >= 0 && dot < domain.length - 1 ? domain.slice(dot) : '';
  return `${first}${HIDDEN}@${HIDDEN}${lastLabel}`;
}
