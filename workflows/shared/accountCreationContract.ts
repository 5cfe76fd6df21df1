import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ChallengeState } from './codeChallenge';
import { codeUpdates } from './verification';

/**
 * The contract of the `createAccount` workflow (User Settings §3.3 and sign-up): ids, durations and steps
 * only. The address, the password hash and the marketing choice live in short-lived pending rows
 * (`pending_addresses`, `pending_accounts`) that the workflow names by id and that are deleted when it ends.
 */

const duration = z.number().int().nonnegative();

/** The two ways in: sign-up creates a new profile, account creation adds the account to the signed-in one. */
export const ACCOUNT_CREATION_KINDS = ['sign-up', 'account-creation'] as const;
export type AccountCreationKind = (typeof ACCOUNT_CREATION_KINDS)[number];

/** Workflow input: safe to read in the Temporal UI. The starter parses it. */
export const CreateAccountInput = z.strictObject({
  /** Also the code email's purpose. */
  kind: z.enum(ACCOUNT_CREATION_KINDS),
  /** Where the code goes: the address held in `pending_addresses` (the kit's `pending-address` recipient). */
  pendingAddressId: z.uuid(),
  /** An abandoned flow expires after this. */
  ttlMs: duration,
  /**
   * After a verified code the verifying request asks for the creation at once; a run left verified longer
   * than this (its request died in between) expires, so the address is free again.
   */
  createWithinMs: duration,
  challenge: z.strictObject({ codeTtlMs: duration, resendIntervalMs: duration, maxAttempts: z.number().int().positive() }),
});
export type CreateAccountInput = z.infer<typeof CreateAccountInput>;

export const ACCOUNT_CREATION_STEPS = [
  'awaiting_code',
  'verified',
  'creating',
  'completed',
  'cancelled',
  'expired',
  'failed',
] as const;
export type AccountCreationStep = (typeof ACCOUNT_CREATION_STEPS)[number];
export type AccountCreationOutcome = Extract<AccountCreationStep, 'completed' | 'cancelled' | 'expired' | 'failed'>;

export const isTerminalCreationStep = (s: AccountCreationStep): s is AccountCreationOutcome =>
  s === 'completed' || s === 'cancelled' || s === 'expired' || s === 'failed';

export interface AccountCreationStatus extends ChallengeState {
  step: AccountCreationStep;
  expiresAt: number;
  failureReason: string | null;
  /** The request (its public id) whose verified code asked for the creation, once one has. */
  creationId: string | null;
  /** The account and profile created, once completed. */
  accountId: string | null;
  profileId: string | null;
}

/** The `create` Update's argument: which request's pending account to create. */
export const CreateArgs = z.strictObject({ creationId: z.uuid() });
export type CreateArgs = z.infer<typeof CreateArgs>;

export interface CreationFinish {
  step: AccountCreationStep;
  status: AccountCreationStatus;
}

/** What the creation activity answers: ids only. */
export interface CreatedAccount {
  accountId: string;
  profileId: string;
  /** True when a previous attempt had committed it already (a retried activity or Update). */
  alreadyCreated: boolean;
}

/**
 * Failure types of the creation, raised by its activity (non-retryable) and named as the run's failure.
 * `FailureType.ProfileGone` (the signed-in profile went away meanwhile) and `AttemptsExhausted` apply too.
 */
export const AccountCreationFailure = {
  /** The address got an account meanwhile (another flow, or an operator): checked case-insensitively. */
  EmailTaken: 'EmailTaken',
  /** The request's pending row is gone (cancelled, expired, or not of this run). */
  PendingAccountGone: 'PendingAccountGone',
} as const;

// Names are part of every recorded history: never rename them.
export const accountCreationStatusQuery = defineQuery<AccountCreationStatus>('status');
export const accountCreationCodeUpdates = codeUpdates<AccountCreationStatus>();
export const createAccountUpdate = defineUpdate<CreationFinish, [CreateArgs]>('create');
export const cancelAccountCreationUpdate = defineUpdate<CreationFinish, []>('cancel');
