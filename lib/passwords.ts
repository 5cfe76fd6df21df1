import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id (the library's default algorithm) at OWASP's first recommended setting: 19 MiB, 2 passes,
 * 1 lane. 5–7 ms on one core of the 2-core machines we run on (quiet), so a sign-in burst cannot starve
 * the API, while each guess still costs an attacker 19 MiB. See README "Password hashing".
 * @node-rs/argon2 ships prebuilt binaries, so it works where npm blocks install scripts.
 */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * NIST SP 800-63B §5.1.1.2: passwords are Unicode-normalised (NFKC) before hashing, so the same password
 * typed on another keyboard or OS (composed `é` or `e` + combining accent, full-width digits) matches.
 */
const normalise = (password: string) => password.normalize('NFKC');

export function hashPassword(password: string): Promise<string> {
  return hash(normalise(password), ARGON2_PARAMS);
}

/** True when a stored PHC string used other parameters than today's, so sign-in can upgrade it. */
export function needsRehash(phc: string): boolean {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
  return !m || Number(m[1]) !== ARGON2_PARAMS.memoryCost || Number(m[2]) !== ARGON2_PARAMS.timeCost || Number(m[3]) !== ARGON2_PARAMS.parallelism;
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies a password: its NFKC form, then (for hashes made before normalisation) the form as typed, which
 * is then upgraded. With no stored hash (unknown email, SSO-only account) it runs the same verifications
 * against a dummy hash, so a wrong password and an unknown email take the same time.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<{ ok: boolean; needsRehash: boolean }> {
  const forms = normalise(password) === password ? [password] : [normalise(password), password];
  dummyHash ??= hashPassword('timing-equaliser');
  const against = storedHash ?? (await dummyHash);
  for (const [i, form] of forms.entries()) {
    if (await verify(against, form).catch(() => false)) {
      if (!storedHash) break;
      return { ok: true, needsRehash: i > 0 || needsRehash(storedHash) };
    }
  }
  return { ok: false, needsRehash: false };
}
