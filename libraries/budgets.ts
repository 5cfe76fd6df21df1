import type { Queryable } from '../db/client';
import { peekBudget, refundBudget, spendBudget } from '../db/queries/attemptBudgets';

/**
 * Every durable budget, in one table of numbers (README "Security"). They live in Postgres, so neither a
 * restarted flow nor a restarted process refills them, and every API process shares them.
 */
export const BUDGETS = {
  /** Wrong codes against one subject (a source profile, an address, an account), across all its flows. */
  codeProofsPerSubject: { limit: 10, windowSeconds: 24 * 3600 },
  /** Wrong codes by one signed-in account, whatever subject it aims at. */
  codeProofsPerActor: { limit: 30, windowSeconds: 24 * 3600 },
  /** Codes sent to one address. */
  codesPerAddress: { limit: 10, windowSeconds: 24 * 3600 },
  /** Merges one account may start. */
  mergeStartsPerActor: { limit: 20, windowSeconds: 24 * 3600 },
} as const;
export type BudgetName = keyof typeof BUDGETS;

export interface Spent {
  allowed: boolean;
  retryAfterMs: number;
}

/** `subject` is an id or an HMAC, never an address: keys are stored and may be read by operators. */
const keyOf = (name: BudgetName, subject: string) => `${name}:${subject}`;

export async function spend(sql: Queryable, name: BudgetName, subject: string): Promise<Spent> {
  const { limit, windowSeconds } = BUDGETS[name];
  const r = await spendBudget(sql, keyOf(name, subject), limit, windowSeconds);
  return { allowed: r.allowed, retryAfterMs: Math.max(0, r.resetsAt.getTime() - Date.now()) };
}

export async function refund(sql: Queryable, name: BudgetName, subject: string): Promise<void> {
  await refundBudget(sql, keyOf(name, subject));
}

export async function remaining(sql: Queryable, name: BudgetName, subject: string): Promise<Spent & { left: number }> {
  const { limit, windowSeconds } = BUDGETS[name];
  const r = await peekBudget(sql, keyOf(name, subject), limit, windowSeconds);
  return { allowed: r.allowed, left: Math.max(0, limit - r.used), retryAfterMs: Math.max(0, r.resetsAt.getTime() - Date.now()) };
}
