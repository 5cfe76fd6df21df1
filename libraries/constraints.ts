import { violatedConstraint } from '../db/errors';
import { AppError } from '../lib/errors';

/** Database constraints mapped to client errors, in this one place. Unlisted violations are server bugs. */
const CONSTRAINTS: Record<string, { status: number; code: string; message: string }> = {
  accounts__email__unique: { status: 409, code: 'account.email_taken', message: 'An account with this email already exists' },
};

export function constraintError(err: unknown): AppError | undefined {
  const name = violatedConstraint(err);
  const hit = name ? CONSTRAINTS[name] : undefined;
  return hit && new AppError(hit.status, hit.code, hit.message);
}
