import type { Mail } from '../lib/mailer';
import type { CodePurpose } from '../workflows/shared/verification';

const PURPOSE_TEXT: Record<CodePurpose, string> = {
  'profile-merge': 'merge this profile into another Custodian profile you own',
  'sign-up': 'create a Custodian account with this address',
  'account-creation': 'add an account with this address to a Custodian profile',
  'password-reset': 'reset the password of your Custodian account',
  'recovery-email': 'use this address as the recovery email of a Custodian profile',
  'member-invitation': 'join your company on Custodian',
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

/** How long, in words: whole days when it is whole days (an invitation's week), else hours, minutes or seconds. */
function lasting(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return plural(ms / 86_400_000, 'day');
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  if (ms >= 60_000) return plural(Math.round(ms / 60_000), 'minute');
  return plural(Math.max(1, Math.round(ms / 1000)), 'second');
}

/**
 * A company admin created an account for this address (README "Onboarding"): the code and the request that
 * sets the password with it, named by the invitation's id. The code lives as long as the invitation.
 */
export function invitationMail(to: string, invitationId: string, code: string, validForMs: number): Mail {
  return {
    to,
    subject: `Your Custodian invitation code: ${code}`,
    // Short lines: the request must survive mail clients' wrapping whole.
    text:
      'An administrator of your company created a Custodian account for\n' +
      'this address. To activate it, choose a password and send it with\n' +
      `your invitation code, ${code}, within ${lasting(validForMs)}:\n\n` +
      `  POST /v1/invitations/${invitationId}/acceptance\n` +
      '  {"code": "<the invitation code>", "password": "<a new password>"}\n\n' +
      'The password must meet the policy (GET /v1/password-policy).\n' +
      'Then sign in with this address.\n\n' +
      'If you did not expect this, ignore this email: the account stays\n' +
      'unusable, and it is removed when the invitation expires.\n',
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

/** An automation as the successor's email lists it (README "Offboarding"). */
export interface MailedAutomation {
  kind: 'personalAccessToken' | 'apiKey';
  name: string;
  scopes: string[] | null;
  lastUsedAt: string;
}

/** To the successor of an offboarded person: what they now look after, and which automations just stopped working. */
export function offboardingSuccessorMail(
  to: string,
  n: { personName: string | null; apps: { name: string }[]; trainingAppsDeleted: number; automations: MailedAutomation[] },
): Mail {
  const who = n.personName ?? 'A colleague';
  const apps = n.apps.length > 0
    ? `You are now the technical contact of:\n${n.apps.map((a) => `  - ${a.name}`).join('\n')}\n\n`
    : 'They were not the technical contact of any app.\n\n';
  const training = n.trainingAppsDeleted > 0 ? `${n.trainingAppsDeleted} of their training app(s) were deleted.\n\n` : '';
  const automations = n.automations.length > 0
    ? 'These automations used their tokens in the last 30 days and stopped working when their access was revoked.\n' +
      'Replace each with a token of a service account or of its new owner:\n' +
      n.automations.map((a) => `  - "${a.name}" (${a.kind === 'apiKey' ? 'API key, all rights of its account' : `personal access token, scopes ${(a.scopes ?? []).join(', ')}`}; ` +
        `last used ${a.lastUsedAt.slice(0, 16).replace('T', ' ')} UTC)`).join('\n') + '\n'
    : 'None of their tokens was used in the last 30 days: no automation should break.\n';
  return {
    to,
    subject: `${who} was offboarded: you are their successor`,
    text: `${who} has left the company and was offboarded. You take over their apps.\n\n${apps}${training}${automations}`,
  };
}
