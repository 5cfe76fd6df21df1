import type { Request } from 'express';
import { ACCOUNT_CREATION_BUDGETS, type AccountCreationService, type Requester } from '../../libraries/accountCreation/service';
import type { Principal } from '../../libraries/principal';
import { CODE_DIGITS } from '../../lib/verificationCode';
import { DEFAULT_CHALLENGE_POLICY as POLICY } from '../../workflows/shared/codeChallenge';
import type { RouteBuilder } from '../route';
import { AccountCreationCodeSent, AccountCreationView, StartAccountCreation, VerifyAccountCreationCode } from '../schemas/accountCreations';
import { ErrorSchema, IdParams } from '../schemas/common';
import { VerificationError } from '../schemas/verification';

const retryAfter = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } };
const unavailable = { description: 'The database or Temporal cannot be reached right now; retry after the given seconds', schema: ErrorSchema, headers: retryAfter };
const busy = { description: 'The workflow service is busy; retry after the given seconds', schema: ErrorSchema, headers: retryAfter };
const minutes = (ms: number) => `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;

interface Flavour {
  kind: Requester['kind'];
  tags: string[];
  /** Express path of the collection that starts one, and of one request. */
  startPath: string;
  itemPath: string;
  auth: false | { credentials: readonly ['session'] };
  ids: { start: string; get: string; code: string; verify: string; cancel: string };
  noun: string;
  startDescription: string;
  startConflict: string;
  requester: (req: Request, auth: Principal | undefined) => Requester;
}

const SIGN_UP: Flavour = {
  kind: 'sign-up',
  tags: ['Sign-up'],
  startPath: '/v1/signups',
  itemPath: '/v1/signups/:id',
  auth: false,
  ids: { start: 'signUp', get: 'getSignUp', code: 'sendSignUpCode', verify: 'verifySignUpCode', cancel: 'cancelSignUp' },
  noun: 'sign-up',
  startDescription:
    'For a visitor with no profile: creates a new profile with the account once the code emailed to the address is verified. ' +
    'The answer is the same whether or not the address has an account: only whoever verifies its code learns that (409 ' +
    '`account.email_taken` at verification). A second request for an address joins the flow already running: it gets its ' +
    'own id, the code in the mailbox works for it, and only the request whose code is verified creates its account, with its ' +
    `own password. At most ${ACCOUNT_CREATION_BUDGETS.signUpsPerClientAddress.limit} sign-ups an hour per client address.`,
  startConflict: 'The flow for this address closed as the request joined it; try again',
  requester: (req) => ({ kind: 'sign-up', clientAddress: req.ip ?? 'unknown' }),
};

const IN_PROFILE: Flavour = {
  kind: 'account-creation',
  tags: ['Accounts'],
  startPath: '/v1/accounts',
  itemPath: '/v1/accounts/creations/:id',
  // A session only: a token or an API key must not add a login (with a password of its holder's choosing) to the profile.
  auth: { credentials: ['session'] },
  ids: {
    start: 'startAccountCreation', get: 'getAccountCreation', code: 'sendAccountCreationCode', verify: 'verifyAccountCreationCode',
    cancel: 'cancelAccountCreation',
  },
  noun: 'account creation',
  startDescription:
    'Signs up a new account and adds it to the signed-in profile in one flow (User Settings §3.3): a code goes to the address; ' +
    'once it is verified the account is created in your profile, shows in `GET /v1/accounts` and can sign in. ' +
    `At most ${ACCOUNT_CREATION_BUDGETS.startsPerAccount.limit} a day per account.`,
  startConflict: 'An account with this email already exists (`account.email_taken`), checked case-insensitively',
  requester: (_req, auth) => ({ kind: 'account-creation', auth: auth! }),
};

function flavourRoutes(api: RouteBuilder, service: AccountCreationService, f: Flavour): void {
  const notFound = { description: `No ${f.noun} with this id${f.auth ? ' was started by your profile' : ''}`, schema: ErrorSchema };
  const conflict = { description: `Not possible at the ${f.noun}'s current step, or it is closed`, schema: ErrorSchema };
  const item = (suffix = '') => `${f.itemPath}${suffix}`;
  const location = (id: string) => f.itemPath.replace(':id', id);

  api.route({
    operationId: f.ids.start, method: 'post', path: f.startPath, tags: f.tags, auth: f.auth,
    summary: f.auth ? 'Create a new account inside your profile' : 'Sign up: create a new profile with a new account',
    description:
      `${f.startDescription} The password must meet every rule of GET /v1/password-policy; it is hashed before anything is stored. ` +
      `A ${CODE_DIGITS}-digit code is emailed at once.`,
    body: StartAccountCreation,
    responses: {
      202: {
        description: 'Started (or joined), and a code is on its way',
        schema: AccountCreationView,
        headers: { Location: { description: `The ${f.noun}`, schema: { type: 'string' } } },
        links: Object.fromEntries(
          [f.ids.get, f.ids.code, f.ids.verify, f.ids.cancel].map((operationId) => [operationId, { operationId, parameters: { id: '$response.body#/id' } }]),
        ),
      },
      409: { description: f.startConflict, schema: ErrorSchema },
      422: { description: 'The password breaks the policy (`password.policy_violation`); `rules` lists every unmet rule', schema: ErrorSchema },
      429: {
        description: `Too many ${f.noun}s started recently, or too many codes sent to this address (\`verification_code.too_many_codes\`)`,
        schema: ErrorSchema, headers: retryAfter,
      },
      503: { description: 'The mail server, the database or Temporal is unavailable', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ req, body, auth }) => {
      const started = await service.start(f.requester(req, auth), body);
      return { status: 202, body: started, headers: { Location: location(started.id) } };
    },
  });

  api.route({
    operationId: f.ids.get, method: 'get', path: item(), tags: f.tags, auth: f.auth,
    summary: `The ${f.noun}'s step, expiry, attempts left and outcome (poll it while the account is created)`,
    params: IdParams,
    responses: { 200: { description: `The ${f.noun}`, schema: AccountCreationView }, 404: notFound, 429: busy, 503: unavailable },
    handler: async ({ req, params, auth }) => ({ status: 200, body: await service.status(f.requester(req, auth), params.id) }),
  });

  api.route({
    operationId: f.ids.code, method: 'post', path: item('/code'), tags: f.tags, auth: f.auth,
    summary: `Email a new ${CODE_DIGITS}-digit code to the address`,
    description: `The code lives ${minutes(POLICY.codeTtlMs)}; a new one replaces the old. At most one request every ${minutes(POLICY.resendIntervalMs)}.`,
    params: IdParams,
    responses: {
      200: { description: 'Code sent', schema: AccountCreationCodeSent },
      404: notFound,
      409: conflict,
      422: { description: 'The address is no longer held: the flow has expired', schema: ErrorSchema },
      429: {
        description: `A code was sent less than ${minutes(POLICY.resendIntervalMs)} ago, or too many codes went to this address recently`,
        schema: ErrorSchema, headers: retryAfter,
      },
      503: { description: 'The mail server, the database or Temporal is unavailable', schema: ErrorSchema, headers: retryAfter },
    },
    handler: async ({ req, params, auth }) => ({ status: 200, body: await service.requestCode(f.requester(req, auth), params.id) }),
  });

  api.route({
    operationId: f.ids.verify, method: 'post', path: item('/verification'), tags: f.tags, auth: f.auth,
    summary: 'Verify the emailed code; the account is created and the answer is the completed request',
    description:
      'Answers once the account exists (step `completed`, with `accountId`); it can then sign in with `POST /v1/sessions`. ' +
      'Repeating the request after that answers the same. A `409 account.email_taken` means the address got an account meanwhile' +
      (f.auth ? '.' : ', or had one already: sign in, or reset its password.'),
    params: IdParams,
    body: VerifyAccountCreationCode,
    responses: {
      200: { description: 'Verified, and the account created', schema: AccountCreationView },
      404: notFound,
      409: { description: `${conflict.description}; or the address has an account (\`account.email_taken\`)`, schema: ErrorSchema },
      422: { description: `Wrong or expired code; after ${POLICY.maxAttempts} wrong codes the flow fails`, schema: VerificationError },
      429: { description: 'Too many wrong codes against this address (or by you) recently', schema: ErrorSchema, headers: retryAfter },
      503: unavailable,
    },
    handler: async ({ req, params, body, auth }) => ({ status: 200, body: await service.verify(f.requester(req, auth), params.id, body.code) }),
  });

  api.route({
    operationId: f.ids.cancel, method: 'delete', path: item(), tags: f.tags, auth: f.auth,
    summary: `Cancel the ${f.noun} before its code is verified`,
    description: 'Its pending password hash is deleted at once. A repeated cancel answers the cancelled request.',
    params: IdParams,
    responses: { 200: { description: 'Cancelled', schema: AccountCreationView }, 404: notFound, 409: conflict, 429: busy, 503: unavailable },
    handler: async ({ req, params, auth }) => ({ status: 200, body: await service.cancel(f.requester(req, auth), params.id) }),
  });
}

/** `POST /v1/signups` (no session) and `POST /v1/accounts` (signed in), with their status, code, verification and cancel. */
export function accountCreationRoutes(api: RouteBuilder, service: AccountCreationService): void {
  flavourRoutes(api, service, SIGN_UP);
  flavourRoutes(api, service, IN_PROFILE);
}
