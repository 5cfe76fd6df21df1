import { dictionary } from '@zxcvbn-ts/language-common';

let common: Set<string> | undefined;

/**
 * The most common passwords, from zxcvbn-ts's offline list (49,000 entries, loaded once, lazily). A
 * password is common when it, or it with its trailing digits and symbols removed, is on the list:
 * `Password123!` is `password` in disguise.
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((w) => w.toLowerCase()));
  const lower = password.toLowerCase();
  const core = lower.replace(/[\d\W_]+$/u, '');
  return common.has(lower) || (core.length >= 4 && common.has(core));
}
