import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client';
import { insertToken } from '../../db/queries/personalAccessTokens';
import { sha256 } from '../../lib/crypto';
import { newSecret } from '../../lib/tokenFormat';
import type { Scope } from '../../libraries/scopes';
import { createPerson, type Person } from './people';
import type { TestStack } from './stack';

/** A company's caller: the person, its account and a credential header set to send. */
export interface Caller {
  person: Person;
  accountId: string;
  email: string;
  headers: Record<string, string>;
}

async function companyPerson(stack: TestStack, companyId: string, isCompanyAdmin: boolean): Promise<Caller> {
  const person = await createPerson(stack.sql);
  const accountId = person.accountIds[0]!;
  await stack.sql`update accounts set company_id = ${companyId}, is_company_admin = ${isCompanyAdmin} where id = ${accountId}`;
  const token = await stack.signIn(person.emails[0]!);
  return { person, accountId, email: person.emails[0]!, headers: { authorization: `Bearer ${token}` } };
}

/**
 * A service account of the company with a personal access token of these scopes, written directly (the
 * API's own way to create one is tested on its own): what an HR system calls the company API with.
 */
export async function serviceAccountToken(sql: Sql, companyId: string, scopes: readonly Scope[]): Promise<Caller & { token: string }> {
  const person = await createPerson(sql, { profile: { displayName: 'HR sync' } });
  const accountId = person.accountIds[0]!;
  await sql`update accounts set company_id = ${companyId}, is_service_account = true, password_hash = null where id = ${accountId}`;
  const token = newSecret('pat');
  await insertToken(sql, { accountId, name: 'HR sync', tokenHash: sha256(token), scopes: [...scopes], expiresAt: null });
  return { person, accountId, email: person.emails[0]!, token, headers: { authorization: `mxtoken ${token}` } };
}

export async function insertCompany(sql: Sql, name = `Company ${randomUUID().slice(0, 8)}`): Promise<string> {
  const [row] = await sql<{ id: string }[]>`insert into companies (name) values (${name}) returning id`;
  return row!.id;
}

/**
 * A company with a signed-in admin and a signed-in ordinary member, for the company API's tests. Add
 * service accounts with `serviceAccountToken`, and a second company with another call.
 */
export async function createCompany(stack: TestStack, name?: string) {
  const companyId = await insertCompany(stack.sql, name);
  const admin = await companyPerson(stack, companyId, true);
  const member = await companyPerson(stack, companyId, false);
  return {
    companyId,
    admin,
    member,
    /** Another member of the company (not signed in unless asked). */
    addMember: (isCompanyAdmin = false) => companyPerson(stack, companyId, isCompanyAdmin),
    serviceAccount: (scopes: readonly Scope[]) => serviceAccountToken(stack.sql, companyId, scopes),
  };
}
export type TestCompany = Awaited<ReturnType<typeof createCompany>>;
