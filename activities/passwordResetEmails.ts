import type { Mail } from '../lib/mailer';

/** After a reset: every session of the account has ended. */
export function passwordChangedMail(to: string): Mail {
  return {
    to,
    subject: 'Your Custodian password was changed',
    text:
      'The password of your Custodian account was just reset with a code sent to this address, and every\n' +
      'session of the account was signed out. Sign in again with the new password.\n\n' +
      'If this was not you, someone can read this mailbox: secure it, then reset your password again\n' +
      '("Forgot password?") and tell your administrator.\n',
  };
}

/**
 * The answer to "Forgot password?" for a single sign-on account: there is no password here to reset. The
 * API answered the request like any other (no enumeration), so this email is where the user learns it.
 */
export function ssoPasswordResetMail(to: string): Mail {
  return {
    to,
    subject: 'Your Custodian password is managed by your company',
    text:
      'Someone, hopefully you, asked to reset the password of the Custodian account with this address.\n\n' +
      'This account signs in with your company\'s single sign-on: your credentials are managed by your\n' +
      'company\'s identity provider, so there is no Custodian password to reset, and no code was sent.\n' +
      'Sign in through your company\'s sign-in page; to change or recover your password, use your company\'s\n' +
      'identity provider or ask your IT administrator.\n\n' +
      'If this was not you, ignore this email: nothing changed.\n',
  };
}
