import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client';
import { insertAccount, insertProfile, type ProfileSeed } from '../../db/queries/people';
import { hashPassword } from '../../lib/passwords';

export const PASSWORD = 'Correct-horse-9!';
let hashed: Promise<string> | undefined;

export interface Person {
  profileId: string;
  accountIds: string[];
  emails: string[];
}

/** A profile with one account per email (unique per call), all with password PASSWORD. */
export async function createPerson(
  sql: Sql,
  { profile = {}, accounts = 1, deactivated = false }: { profile?: Partial<ProfileSeed>; accounts?: number; deactivated?: boolean } = {},
): Promise<Person> {
  hashed ??= hashPassword(PASSWORD);
  const profileId = randomUUID();
  const tag = profileId.slice(0, 8);
  await insertProfile(sql, { displayName: `Person ${tag}`, ...profile, id: profileId });
  const person: Person = { profileId, accountIds: [], emails: [] };
  for (let i = 0; i < accounts; i++) {
    const id = randomUUID();
    const email = `user-${tag}-${i}@test.custodian.test`;
    await insertAccount(sql, { id, profileId, email, passwordHash: await hashed, status: deactivated ? 'deactivated' : 'active' });
    person.accountIds.push(id);
    person.emails.push(email);
  }
  return person;
}
