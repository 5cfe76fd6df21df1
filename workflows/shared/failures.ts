/**
 * ApplicationFailure types raised by activities and update validators. The API maps them to HTTP in
 * api/temporalErrors.ts; operators see them in the Temporal UI.
 */
export const FailureType = {
  /** An update arrived at a step where it makes no sense (confirm before verify, cancel after completion). */
  InvalidStep: 'InvalidStep',
  /** A code was requested again within the resend interval. details: [{ retryAfterMs }] */
  Throttled: 'Throttled',
  /** The chosen email option does not belong to the profile being proven. */
  UnknownEmailOption: 'UnknownEmailOption',
  /** A profile in the merge was deleted or merged elsewhere meanwhile. */
  ProfileGone: 'ProfileGone',
  /** The merge record was closed (cancelled, expired) before it could be applied. */
  MergeClosed: 'MergeClosed',
  /** Too many wrong codes. */
  AttemptsExhausted: 'AttemptsExhausted',
  /** The mail server kept refusing the message. */
  MailUnavailable: 'MailUnavailable',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];
