/**
 * ApplicationFailure types raised by activities and update validators. The business layer maps them to
 * errors in libraries/temporalErrors.ts; operators see them in the Temporal UI.
 */
export const FailureType = {
  /** An update arrived at a step where it makes no sense (confirm before verify, cancel after completion). */
  InvalidStep: 'InvalidStep',
  /** An update's arguments are malformed (the API never sends these; a hand-made call might). */
  InvalidArgument: 'InvalidArgument',
  /** A code was requested again within the resend interval. details: [retryAfterMs] */
  Throttled: 'Throttled',
  /** The chosen recipient (an email option, a pending address, an account) does not exist for this subject. */
  UnknownRecipient: 'UnknownRecipient',
  /** A profile in the merge was deleted or merged elsewhere meanwhile. */
  ProfileGone: 'ProfileGone',
  /** The merge record was closed (cancelled, expired) before it could be applied. */
  MergeClosed: 'MergeClosed',
  /** Too many wrong codes. */
  AttemptsExhausted: 'AttemptsExhausted',
  /** The recipient's address got too many codes recently (a durable budget). details: [retryAfterMs] */
  CodeQuotaExhausted: 'CodeQuotaExhausted',
  /** The mail server kept refusing the message. */
  MailUnavailable: 'MailUnavailable',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];
