/** A business rule the database refused. `code` is a stable dotted error code the API maps to HTTP. */
export class RuleViolation extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'RuleViolation';
  }
}

interface PgError {
  code?: string;
  constraint_name?: string;
}

/** The constraint a statement violated, if any (postgres error codes 23xxx). */
export function violatedConstraint(err: unknown): string | undefined {
  const e = err as PgError;
  return typeof e?.code === 'string' && e.code.startsWith('23') ? e.constraint_name : undefined;
}
