import type { Mail } from '../lib/mailer';
import type { CodePurpose } from '../workflows/shared/verification';

const PURPOSE_TEXT: Record<CodePurpose, string> = {
  'profile-merge': 'merge this profile into another Custodian profile you own',
  'sign-up': 'create a Custodian account with this address',
  'account-creation': 'add an account with this address to a Custodian profile',
  'password-reset': 'reset the password of your Custodian account',
  'recovery-email': 'use this address as the recovery email of a Custodian profile',
};

/** A flow's "this was not you" action: the public request that takes the token, and the token. */
export interface NotYou {
  path: string;
  token: string;
}

export function verificationCodeMail(to: string, purpose: CodePurpose, code: string, ttlMinutes: number, notYou?: NotYou): Mail {
  // Short lines: the token must survive mail clients' wrapping whole.
  const notMe = notYou
    ? 'If this was not you, nothing changes without the code, but the request stays\n' +
      'open until it expires. To stop it and tell us it was not you (no sign-in\n' +
      'needed), send this rejection token:\n\n' +
      `  ${notYou.token}\n\n` +
      `  POST ${notYou.path}\n` +
      '  {"token": "<the rejection token>"}\n'
    : 'If this was not you, ignore this email: nothing changes without the code.\n';
  return {
    to,
    subject: `Your Custodian verification code: ${code}`,
    text:
      `Someone, hopefully you, asked to ${PURPOSE_TEXT[purpose]}.\n\n` +
      `Your verification code is ${code}. It is valid for ${ttlMinutes} minutes.\n\n` +
      notMe,
  };
}

export function mergeCompletedMail(to: string): Mail {
  return {
    to,
    subject: 'Your Custodian profiles were merged',
    text:
      'Your profiles are now one: the other profile\'s accounts moved to the profile you were signed in with, ' +
      'and the other profile was removed.\n\nYou can review the result under Profile and Accounts.\n',
  };
}
