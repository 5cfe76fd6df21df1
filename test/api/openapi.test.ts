import { randomUUID } from 'node:crypto';
import { startTestStack, type TestStack } from '../helpers/stack';

interface Operation {
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }>; headers?: Record<string, unknown> }>;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: { $ref?: string } }> };
  tags?: string[];
  summary?: string;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { type?: string; required?: string[]; properties?: Record<string, unknown> }>; securitySchemes: Record<string, unknown> };
}

let stack: TestStack;
let doc: Document;
beforeAll(async () => {
  // No worker: nothing here runs a workflow.
  stack = await startTestStack({ worker: false });
  const r = await stack.http('GET', '/openapi.json');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  doc = r.body;
});
afterAll(async () => {
  await stack.close();
});

/**
 * Every route with the statuses it documents. A new route or status must be added here on purpose. Every
 * route that reads Postgres or Temporal documents 503; only the index and liveness touch neither.
 */
const ROUTES: Record<string, number[]> = {
  'get /': [200],
  'get /healthz': [200],
  'get /readyz': [200, 503],
  'post /v1/sessions': [200, 201, 400, 401, 403, 413, 415, 429, 503],
  'post /v1/sessions/second-factor': [201, 400, 403, 404, 413, 415, 422, 429, 503],
  'get /v1/developer-settings/2fa': [200, 401, 403, 503],
  'delete /v1/developer-settings/2fa': [200, 400, 401, 403, 404, 413, 415, 429, 503],
  'post /v1/developer-settings/2fa/totp': [201, 401, 403, 409, 503],
  'post /v1/developer-settings/2fa/totp/activation': [200, 400, 401, 403, 409, 413, 415, 422, 429, 503],
  'delete /v1/sessions/current': [204, 401, 403, 503],
  'delete /v1/sessions': [204, 401, 403, 503],
  'get /v1/pat-scopes': [200],
  'get /v1/credentials/current': [200, 401, 403, 503],
  'get /v1/developer-settings/personal-access-tokens': [200, 401, 403, 503],
  'post /v1/developer-settings/personal-access-tokens': [201, 400, 401, 403, 409, 413, 415, 503],
  'get /v1/developer-settings/personal-access-tokens/{id}': [200, 400, 401, 403, 404, 503],
  'delete /v1/developer-settings/personal-access-tokens/{id}': [204, 400, 401, 403, 404, 503],
  'get /v1/developer-settings/api-keys': [200, 401, 403, 503],
  'post /v1/developer-settings/api-keys': [201, 400, 401, 403, 409, 413, 415, 503],
  'delete /v1/developer-settings/api-keys/{id}': [204, 400, 401, 403, 404, 503],
  'post /v1/profile/merges': [202, 400, 401, 403, 404, 409, 413, 415, 429, 503],
  'get /v1/profile/merges': [200, 400, 401, 403, 503],
  'get /v1/profile/merges/{id}': [200, 400, 401, 403, 404, 429, 503],
  'delete /v1/profile/merges/{id}': [200, 400, 401, 403, 404, 409, 429, 503],
  'post /v1/profile/merges/{id}/code': [200, 400, 401, 403, 404, 409, 413, 415, 422, 429, 503],
  'post /v1/profile/merges/{id}/verification': [200, 400, 401, 403, 404, 409, 413, 415, 422, 429, 503],
  'post /v1/profile/merges/{id}/confirmation': [200, 400, 401, 403, 404, 409, 429, 503],
  'post /v1/profile/merges/{id}/rejection': [200, 400, 404, 409, 413, 415, 429, 503],
  'post /v1/signups': [202, 400, 409, 413, 415, 422, 429, 503],
  'get /v1/signups/{id}': [200, 400, 404, 429, 503],
  'post /v1/signups/{id}/code': [200, 400, 404, 409, 422, 429, 503],
  'post /v1/signups/{id}/verification': [200, 400, 404, 409, 413, 415, 422, 429, 503],
  'delete /v1/signups/{id}': [200, 400, 404, 409, 429, 503],
  'post /v1/accounts': [202, 400, 401, 403, 409, 413, 415, 422, 429, 503],
  'get /v1/accounts/creations/{id}': [200, 400, 401, 403, 404, 429, 503],
  'post /v1/accounts/creations/{id}/code': [200, 400, 401, 403, 404, 409, 422, 429, 503],
  'post /v1/accounts/creations/{id}/verification': [200, 400, 401, 403, 404, 409, 413, 415, 422, 429, 503],
  'delete /v1/accounts/creations/{id}': [200, 400, 401, 403, 404, 409, 429, 503],
  'delete /v1/accounts/current': [202, 401, 403, 429, 503],
  'delete /v1/accounts/{id}': [202, 400, 401, 403, 429, 503],
  'get /v1/accounts/deletions/{id}': [200, 400, 404, 503],
  'get /v1/companies/{id}/password-policy': [200, 400, 401, 403, 404, 503],
  'put /v1/companies/{id}/password-policy': [200, 400, 401, 403, 404, 413, 415, 503],
  'get /v1/apps/{id}/technical-contact': [200, 400, 401, 403, 404, 503],
  'put /v1/apps/{id}/technical-contact': [200, 400, 401, 403, 404, 413, 415, 422, 503],
  'get /v1/companies/{id}/reports/backup-access': [200, 400, 401, 403, 404, 503],
  'post /v1/companies/{id}/service-accounts': [201, 400, 401, 403, 404, 409, 413, 415, 503],
  'get /v1/companies/{id}/service-accounts': [200, 400, 401, 403, 404, 503],
  'post /v1/companies/{id}/service-accounts/{serviceAccountId}/tokens': [201, 400, 401, 403, 404, 409, 413, 415, 503],
  'delete /v1/companies/{id}/service-accounts/{serviceAccountId}/tokens/{tokenId}': [204, 400, 401, 403, 404, 503],
  'delete /v1/companies/{id}/service-accounts/{serviceAccountId}': [200, 400, 401, 403, 404, 503],
  'post /v1/companies/{id}/members/{memberId}/deactivation': [200, 400, 401, 403, 404, 409, 503],
  'delete /v1/companies/{id}/members/{memberId}/deactivation': [200, 400, 401, 403, 404, 409, 503],
  'get /v1/companies/{id}/members': [200, 400, 401, 403, 404, 503],
  'get /v1/companies/{id}/members/lookup': [200, 400, 401, 403, 404, 503],
  'get /v1/companies/{id}/members/{memberId}/apps': [200, 400, 401, 403, 404, 503],
  'get /v1/companies/{id}/audit-log': [200, 400, 401, 403, 404, 503],
  'put /v1/companies/{id}/webhook': [200, 201, 400, 401, 403, 404, 413, 415, 422, 503],
  'get /v1/companies/{id}/webhook': [200, 400, 401, 403, 404, 503],
  'delete /v1/companies/{id}/webhook': [204, 400, 401, 403, 404, 503],
  'post /v1/companies/{id}/webhook/test': [200, 400, 401, 403, 404, 429, 503],
  'get /v1/companies/{id}/webhook/deliveries': [200, 400, 401, 403, 404, 503],
  'post /v1/companies/{id}/offboardings': [200, 202, 400, 401, 403, 404, 409, 413, 415, 422, 503],
  'get /v1/companies/{id}/offboardings': [200, 400, 401, 403, 404, 503],
  'get /v1/companies/{id}/offboardings/{offboardingId}': [200, 400, 401, 403, 404, 503],
  'delete /v1/companies/{id}/offboardings/{offboardingId}': [200, 400, 401, 403, 404, 409, 503],
  'post /v1/companies/{id}/offboarding-batches': [200, 202, 400, 401, 403, 404, 413, 415, 422, 503],
  'get /v1/companies/{id}/offboarding-batches/{batchId}': [200, 400, 401, 403, 404, 503],
  'get /v1/password-policy': [200],
  'get /v1/accounts': [200, 401, 403, 503],
  'put /v1/accounts/current/password': [200, 400, 401, 403, 409, 413, 415, 422, 429, 503],
  'post /v1/password-resets': [202, 400, 413, 415, 429, 503],
  'get /v1/password-resets/{id}': [200, 400, 404, 429, 503],
  'post /v1/password-resets/{id}/completion': [200, 400, 404, 409, 413, 415, 422, 429, 503],
  'get /v1/notification-settings': [200, 401, 403, 503],
  'patch /v1/notification-settings': [200, 400, 401, 403, 413, 415, 503],
  'get /v1/notification-settings/watched-apps': [200, 401, 403, 503],
  'put /v1/notification-settings/watched-apps/{appId}': [200, 400, 401, 403, 404, 503],
  'delete /v1/notification-settings/watched-apps/{appId}': [204, 400, 401, 403, 404, 503],
  'get /v1/personal-data': [200, 401, 403, 503],
  'get /v1/personal-data/download': [200, 401, 403, 503],
  'get /v1/personal-data/schema': [200],
  'get /v1/profile': [200, 401, 403, 404, 503],
  'patch /v1/profile': [200, 400, 401, 403, 404, 413, 415, 422, 503],
  'post /v1/profile/visibility': [200, 400, 401, 403, 404, 413, 415, 422, 503],
  'get /v1/profiles/{id}': [200, 400, 404, 503],
  'put /v1/profile/avatar': [200, 401, 403, 404, 413, 415, 422, 503],
  'delete /v1/profile/avatar': [200, 401, 403, 404, 503],
  'get /v1/profiles/{id}/avatar': [200, 304, 400, 401, 404, 503],
  'get /v1/catalogues/skills': [200, 503],
  'get /v1/catalogues/industries': [200, 503],
  'get /v1/catalogues/countries': [200],
  'put /v1/profile/recovery-email': [202, 400, 401, 403, 404, 409, 413, 415, 429, 503],
  'get /v1/profile/recovery-email/verification': [200, 401, 403, 404, 429, 503],
  'post /v1/profile/recovery-email/verification': [200, 400, 401, 403, 404, 409, 413, 415, 422, 429, 503],
  'post /v1/companies/{id}/members': [201, 400, 401, 403, 404, 409, 413, 415, 422, 429, 503],
  'put /v1/companies/{id}/members/{memberId}/avatar': [200, 400, 401, 403, 404, 409, 413, 415, 422, 503],
  'post /v1/companies/{id}/member-imports': [200, 207, 400, 401, 403, 404, 413, 415, 503],
  'get /v1/companies/{id}/invitations': [200, 400, 401, 403, 404, 503],
  'get /v1/companies/{id}/invitations/{invitationId}': [200, 400, 401, 403, 404, 503],
  'post /v1/companies/{id}/invitations/{invitationId}/resend': [200, 400, 401, 403, 404, 409, 429, 503],
  'delete /v1/companies/{id}/invitations/{invitationId}': [200, 400, 401, 403, 404, 409, 429, 503],
  'post /v1/invitations/{id}/acceptance': [200, 400, 404, 409, 413, 415, 422, 429, 503],
};
// A public profile, its avatar (its owner may send a credential for a private one) and the catalogues need no sign-in.
const PROFILE_PUBLIC = [
  'get /v1/profiles/{id}', 'get /v1/profiles/{id}/avatar', 'get /v1/catalogues/skills', 'get /v1/catalogues/industries', 'get /v1/catalogues/countries',
];
// The avatar upload's body is the image itself (image/png, image/jpeg or image/webp), not JSON.
const RAW_BODY: Record<string, string[]> = { 'put /v1/profile/avatar': ['image/png', 'image/jpeg', 'image/webp'] };
// Onboarding: a member's picture, and a bulk import as a JSON list or a CSV file.
RAW_BODY['put /v1/companies/{id}/members/{memberId}/avatar'] = ['image/png', 'image/jpeg', 'image/webp'];
RAW_BODY['post /v1/companies/{id}/member-imports'] = ['application/json', 'text/csv'];
// Offboarding in bulk: a JSON list or a CSV file.
RAW_BODY['post /v1/companies/{id}/offboarding-batches'] = ['application/json', 'text/csv'];
// Accepting an invitation is for its invitee, who has no session yet: the invitation's id and emailed code are the capability.
const INVITATION_PUBLIC = ['post /v1/invitations/{id}/acceptance'];
// The JSON Schema of the personal-data format is public: it describes a format, not anyone's data.
const PERSONAL_DATA_PUBLIC = ['get /v1/personal-data/schema'];
// "Forgot password?" is for visitors with no session: the reset's random id is its capability.
const PASSWORD_RESET_ROUTES = ['post /v1/password-resets', 'get /v1/password-resets/{id}', 'post /v1/password-resets/{id}/completion'];
// Public: signing in, and rejecting a merge with the token from its code email.
// Sign-up is for visitors with no session: the request's random id is its capability.
const SIGN_UP_ROUTES = ['post /v1/signups', 'get /v1/signups/{id}', 'post /v1/signups/{id}/code', 'post /v1/signups/{id}/verification', 'delete /v1/signups/{id}'];
const PUBLIC = [...PERSONAL_DATA_PUBLIC, ...INVITATION_PUBLIC, ...PROFILE_PUBLIC, 'get /v1/pat-scopes', 'post /v1/sessions', 'post /v1/sessions/second-factor', 'post /v1/profile/merges/{id}/rejection', 'get /v1/password-policy', 'get /v1/accounts/deletions/{id}', ...SIGN_UP_ROUTES, ...PASSWORD_RESET_ROUTES];
const AUTHENTICATED = Object.keys(ROUTES).filter((k) => k.includes('/v1/') && !PUBLIC.includes(k));
const WITH_BODY = [
  'post /v1/signups', 'post /v1/signups/{id}/verification', 'post /v1/accounts', 'post /v1/accounts/creations/{id}/verification',
  'post /v1/sessions', 'post /v1/profile/merges', 'post /v1/profile/merges/{id}/code', 'post /v1/profile/merges/{id}/verification',
  'post /v1/profile/merges/{id}/rejection', 'put /v1/accounts/current/password', 'put /v1/companies/{id}/password-policy',
  'post /v1/password-resets', 'post /v1/password-resets/{id}/completion',
  'post /v1/sessions/second-factor', 'delete /v1/developer-settings/2fa', 'patch /v1/notification-settings', 'post /v1/developer-settings/2fa/totp/activation',
  'post /v1/developer-settings/personal-access-tokens', 'post /v1/developer-settings/api-keys',
  'patch /v1/profile', 'post /v1/profile/visibility', 'put /v1/profile/recovery-email', 'post /v1/profile/recovery-email/verification',
  'put /v1/apps/{id}/technical-contact', 'post /v1/companies/{id}/service-accounts', 'post /v1/companies/{id}/service-accounts/{serviceAccountId}/tokens',
  'put /v1/companies/{id}/webhook', 'post /v1/companies/{id}/offboardings',
  'post /v1/companies/{id}/members', 'post /v1/invitations/{id}/acceptance',
];

// A wrong code answers VerificationError (with attemptsLeft).
const CODE_VERIFICATIONS = [
  'post /v1/profile/merges/{id}/verification', 'post /v1/signups/{id}/verification', 'post /v1/accounts/creations/{id}/verification',
  'post /v1/sessions/second-factor', 'post /v1/profile/recovery-email/verification',
];

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method} ${path}`, method, path, op })));
const op = (key: string): Operation => {
  const [method, path] = key.split(' ') as [string, string];
  const found = doc.paths[path]?.[method];
  if (!found) throw new Error(`${key} is not documented`);
  return found;
};
const schemaOf = (o: Operation, status: number) => o.responses[String(status)]?.content?.['application/json']?.schema.$ref;

describe('GET /openapi.json', () => {
  test('is an OpenAPI 3.1.0 document', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Custodian API', version: expect.any(String), license: { name: 'Proprietary' } });
    expect(doc).toMatchObject({ servers: [{ url: '/' }] });
  });

  test('lists exactly the known routes, each with its documented statuses', () => {
    const documented = Object.fromEntries(operations().map(({ key, op: o }) => [key, Object.keys(o.responses).map(Number).sort((a, b) => a - b)]));
    expect(documented).toEqual(ROUTES);
  });

  test('every error response (4xx/5xx) uses the Error schema, or VerificationError for a wrong code', () => {
    for (const { key, op: o } of operations()) {
      for (const status of Object.keys(o.responses).map(Number).filter((s) => s >= 400)) {
        // Readiness answers its own body when a dependency is down; that is what probes read.
        if (key === 'get /readyz' && status === 503) {
          expect(schemaOf(o, status)).toBe('#/components/schemas/Readiness');
          continue;
        }
        // Completing a password reset checks the new password and the code: either error (VerificationError or Error).
        const resetCompletion = key === 'post /v1/password-resets/{id}/completion' && status === 422;
        // Accepting an invitation checks the new password and the code too.
        const acceptance = key === 'post /v1/invitations/{id}/acceptance' && status === 422;
        const expected = resetCompletion ? 'PasswordResetCompletionError' : acceptance ? 'InvitationAcceptanceError' : CODE_VERIFICATIONS.includes(key) && status === 422 ? 'VerificationError' : 'Error';
        expect({ key, status, schema: schemaOf(o, status) }).toEqual({ key, status, schema: `#/components/schemas/${expected}` });
      }
    }
  });

  test('the Error and VerificationError schemas describe the one error shape', () => {
    const { Error: error, VerificationError: verification } = doc.components.schemas;
    expect(error).toMatchObject({ type: 'object', required: expect.arrayContaining(['error', 'code']) });
    // `rules`: the unmet password rules of a password.policy_violation.
    expect(Object.keys(error!.properties!).sort()).toEqual(['code', 'details', 'error', 'rules']);
    expect(error!.required).not.toContain('details');
    expect(verification).toMatchObject({ type: 'object', required: expect.arrayContaining(['error', 'code', 'attemptsLeft']) });
  });

  test('success responses name their schemas', () => {
    expect(schemaOf(op('post /v1/sessions'), 201)).toBe('#/components/schemas/Session');
    expect(schemaOf(op('post /v1/profile/merges'), 202)).toBe('#/components/schemas/MergeStarted');
    expect(schemaOf(op('get /v1/profile/merges/{id}'), 200)).toBe('#/components/schemas/Merge');
    expect(schemaOf(op('post /v1/profile/merges/{id}/code'), 200)).toBe('#/components/schemas/MergeCodeSent');
    expect(schemaOf(op('get /v1/profile/merges'), 200)).toBe('#/components/schemas/MergeList');
    expect(schemaOf(op('post /v1/profile/merges/{id}/rejection'), 200)).toBe('#/components/schemas/MergeRejection');
    for (const start of ['post /v1/signups', 'post /v1/accounts']) {
      expect(schemaOf(op(start), 202)).toBe('#/components/schemas/AccountCreation');
      expect(op(start).responses['202']!.headers).toHaveProperty('Location');
    }
    expect(schemaOf(op('get /healthz'), 200)).toBe('#/components/schemas/Health');
    expect(schemaOf(op('get /v1/pat-scopes'), 200)).toBe('#/components/schemas/ScopeCatalogue');
    expect(schemaOf(op('get /v1/credentials/current'), 200)).toBe('#/components/schemas/CurrentCredential');
    expect(schemaOf(op('post /v1/developer-settings/personal-access-tokens'), 201)).toBe('#/components/schemas/PersonalAccessTokenCreated');
    expect(op('post /v1/developer-settings/personal-access-tokens').responses['201']!.headers).toHaveProperty('Location');
    expect(schemaOf(op('get /v1/developer-settings/personal-access-tokens'), 200)).toBe('#/components/schemas/PersonalAccessTokenList');
    expect(schemaOf(op('get /v1/developer-settings/personal-access-tokens/{id}'), 200)).toBe('#/components/schemas/PersonalAccessToken');
    expect(schemaOf(op('post /v1/developer-settings/api-keys'), 201)).toBe('#/components/schemas/ApiKeyCreated');
    expect(schemaOf(op('get /v1/developer-settings/api-keys'), 200)).toBe('#/components/schemas/ApiKeyList');
    expect(schemaOf(op('get /readyz'), 200)).toBe('#/components/schemas/Readiness');
    expect(schemaOf(op('get /'), 200)).toBe('#/components/schemas/Index');
    expect(op('delete /v1/sessions/current').responses['204']!.content).toBeUndefined();
  });

  test('two-factor authentication: sign-in answers a challenge (200) or a session (201); the 2FA routes name their schemas', () => {
    expect(schemaOf(op('post /v1/sessions'), 200)).toBe('#/components/schemas/SecondFactorRequired');
    expect(schemaOf(op('post /v1/sessions/second-factor'), 201)).toBe('#/components/schemas/Session');
    expect(schemaOf(op('get /v1/developer-settings/2fa'), 200)).toBe('#/components/schemas/TwoFactorStatus');
    expect(schemaOf(op('delete /v1/developer-settings/2fa'), 200)).toBe('#/components/schemas/TwoFactorStatus');
    expect(schemaOf(op('post /v1/developer-settings/2fa/totp'), 201)).toBe('#/components/schemas/TotpEnrolment');
    expect(schemaOf(op('post /v1/developer-settings/2fa/totp/activation'), 200)).toBe('#/components/schemas/TotpActivated');
    expect(doc.components.schemas.TwoFactorMethod).toMatchObject({ enum: ['sms', 'authenticator_app'] });
    for (const key of ['post /v1/sessions/second-factor', 'post /v1/developer-settings/2fa/totp/activation', 'delete /v1/developer-settings/2fa']) {
      expect(op(key).responses['429']!.headers).toHaveProperty('Retry-After');
    }
  });

  test('masked email options are documented in their shape: first character and the domain\'s last label', () => {
    const started = doc.components.schemas.MergeStarted as unknown as {
      properties: { emailOptions: { items: { properties: { masked: { example?: string } } } } };
    };
    expect(started.properties.emailOptions.items.properties.masked.example).toBe('a•••@•••.test');
  });

  test('every authenticated route documents 403 auth.password_expired, but changing the password and signing out', () => {
    // Reading one's own credential tells a restricted session why it is restricted.
    const allowed = ['put /v1/accounts/current/password', 'delete /v1/sessions/current', 'get /v1/credentials/current'];
    for (const key of AUTHENTICATED) {
      const description = op(key).responses['403']?.description ?? '';
      expect({ key, documented: description.includes('auth.password_expired') }).toEqual({ key, documented: !allowed.includes(key) });
    }
  });

  test('the security schemes: bearerAuth, mxtoken on Authorization, and the Mendix-Username/Mendix-ApiKey pair', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      mxtoken: { type: 'apiKey', in: 'header', name: 'Authorization' },
      mendixUsername: { type: 'apiKey', in: 'header', name: 'Mendix-Username' },
      mendixApiKey: { type: 'apiKey', in: 'header', name: 'Mendix-ApiKey' },
    });
    expect(doc.components.securitySchemes).not.toHaveProperty('session');
  });

  test('each authenticated route lists the credentials it accepts, a PAT with the scope it needs; public ones none', () => {
    const BEARER = { bearerAuth: [] };
    const API_KEY = { mendixUsername: [], mendixApiKey: [] };
    const anyCredential = (scope?: string) => [BEARER, API_KEY, { mxtoken: scope ? [scope] : [] }];
    const scopes = new Set((doc.components.schemas.Scope as unknown as { enum: string[] }).enum);
    for (const { key, op: o } of operations()) {
      if (!AUTHENTICATED.includes(key)) {
        expect({ key, security: o.security }).toEqual({ key, security: [] });
        continue;
      }
      // A session, an API key, a token: in this order, each at most once; a token's requirement names at most one known scope.
      const forms = (o.security ?? []).map((r) => Object.keys(r).sort().join('+'));
      expect({ key, forms }).toEqual({ key, forms: ['bearerAuth', 'mendixApiKey+mendixUsername', 'mxtoken'].filter((f) => forms.includes(f)) });
      expect(forms.length).toBeGreaterThan(0);
      for (const r of o.security ?? []) {
        if (r.mxtoken) expect({ key, unknown: r.mxtoken.filter((sc) => !scopes.has(sc)), many: r.mxtoken.length > 1 }).toEqual({ key, unknown: [], many: false });
        else for (const roles of Object.values(r)) expect(roles).toEqual([]);
      }
    }
    // By design a session only: signing out, the password, deleting and adding accounts, and minting or deleting tokens and keys.
    const SESSION_ONLY = [
      'delete /v1/sessions/current', 'delete /v1/sessions', 'put /v1/accounts/current/password', 'delete /v1/accounts/current', 'delete /v1/accounts/{id}',
      'post /v1/accounts', 'get /v1/accounts/creations/{id}', 'post /v1/accounts/creations/{id}/code', 'post /v1/accounts/creations/{id}/verification',
      'delete /v1/accounts/creations/{id}', 'post /v1/developer-settings/personal-access-tokens', 'delete /v1/developer-settings/personal-access-tokens/{id}',
      'post /v1/developer-settings/api-keys', 'delete /v1/developer-settings/api-keys/{id}',
      // Turning 2FA on or off: a key or a token must not change the factor that guards sign-in.
      'delete /v1/developer-settings/2fa', 'post /v1/developer-settings/2fa/totp', 'post /v1/developer-settings/2fa/totp/activation',
      // The personal data export: everything about the person at once, for the person.
      'get /v1/personal-data', 'get /v1/personal-data/download',
    ];
    for (const key of SESSION_ONLY) expect({ key, security: op(key).security }).toEqual({ key, security: [BEARER] });
    const SCOPED: Record<string, string | undefined> = {
      'get /v1/credentials/current': undefined,
      'get /v1/accounts': 'accounts:read',
      'get /v1/profile/merges': 'profile:read',
      'get /v1/profile/merges/{id}': 'profile:read',
      'post /v1/profile/merges': 'profile:write',
      'post /v1/profile/merges/{id}/code': 'profile:write',
      'post /v1/profile/merges/{id}/verification': 'profile:write',
      'post /v1/profile/merges/{id}/confirmation': 'profile:write',
      'delete /v1/profile/merges/{id}': 'profile:write',
      'get /v1/companies/{id}/password-policy': 'company:read',
      'put /v1/companies/{id}/password-policy': 'company:write',
      'get /v1/developer-settings/personal-access-tokens': 'developer-settings:read',
      'get /v1/developer-settings/personal-access-tokens/{id}': 'developer-settings:read',
      'get /v1/developer-settings/api-keys': 'developer-settings:read',
      'get /v1/developer-settings/2fa': 'developer-settings:read',
      'get /v1/profile': 'profile:read',
      'patch /v1/profile': 'profile:write',
      'put /v1/profile/avatar': 'profile:write',
      'get /v1/notification-settings': 'profile:read',
      'patch /v1/notification-settings': 'profile:write',
    };
    for (const [key, scope] of Object.entries(SCOPED)) expect({ key, security: op(key).security }).toEqual({ key, security: anyCredential(scope) });
  });

  test('a route taking tokens documents their 403s; a session-only route the refusal of other credentials', () => {
    const tokenRoute = op('get /v1/developer-settings/personal-access-tokens').responses['403']!.description;
    for (const code of ['auth.invalid_token', 'auth.insufficient_scope', 'auth.invalid_api_key', 'auth.account_deactivated', 'auth.password_expired']) {
      expect(tokenRoute).toContain(code);
    }
    expect(tokenRoute).toContain('developer-settings:read');
    expect(op('post /v1/developer-settings/personal-access-tokens').responses['403']!.description).toContain('auth.credential_not_accepted');
    expect(op('post /v1/developer-settings/personal-access-tokens').responses['403']!.description).not.toContain('auth.invalid_token');
  });

  test('body routes require a JSON body; id routes a path parameter', () => {
    for (const { key, path, op: o } of operations()) {
      if (WITH_BODY.includes(key)) {
        expect({ key, required: o.requestBody?.required, types: Object.keys(o.requestBody?.content ?? {}) }).toEqual({ key, required: true, types: ['application/json'] });
      } else if (RAW_BODY[key]) {
        expect({ key, required: o.requestBody?.required, types: Object.keys(o.requestBody?.content ?? {}) }).toEqual({ key, required: true, types: RAW_BODY[key] });
      } else {
        expect({ key, body: o.requestBody }).toEqual({ key, body: undefined });
      }
      if (path.includes('{id}')) {
        // Listings take query parameters too, and a nested resource its own id: the company's or the resource's id comes first.
        expect(o.parameters?.filter((p) => p.in === 'path')[0]).toEqual(expect.objectContaining({ name: 'id', in: 'path', required: true, schema: expect.objectContaining({ type: 'string', format: 'uuid' }) }));
      }
    }
  });

  test('429 and 503 answers document Retry-After; starting a merge documents Location', () => {
    expect(op('post /v1/sessions').responses['429']!.headers).toHaveProperty('Retry-After');
    for (const { key, op: o } of operations()) {
      if (o.responses['503'] && key !== 'get /readyz') expect({ key, headers: Object.keys(o.responses['503'].headers ?? {}) }).toEqual({ key, headers: ['Retry-After'] });
    }
    expect(op('post /v1/sessions').responses['503']!.description).toMatch(/database or workflow service/);
    expect(op('post /v1/profile/merges/{id}/code').responses['429']!.headers).toHaveProperty('Retry-After');
    expect(op('post /v1/profile/merges/{id}/code').responses['503']!.headers).toHaveProperty('Retry-After');
    expect(op('post /v1/profile/merges').responses['202']!.headers).toHaveProperty('Location');
  });

  test('every documented operation is served, answering one of its documented statuses', async () => {
    for (const { key, method, path, op: o } of operations()) {
      // No token and no body: each route answers 200, 400 or 401, all of which it documents.
      const r = await stack.http(method.toUpperCase(), path.replace('{id}', randomUUID()));
      expect({ key, status: r.status, documented: Object.keys(o.responses).includes(String(r.status)) }).toEqual({ key, status: r.status, documented: true });
      expect(r.body?.code).not.toBe('route.not_found');
    }
  });
});

describe('docs and probes', () => {
  test('GET /docs/ serves the Swagger UI as HTML', async () => {
    const r = await stack.http('GET', '/docs/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.body).toContain('swagger-ui');
    expect(r.body).toContain('<title>Custodian API</title>');
  });

  test('GET /healthz → 200 {status: "ok"}', async () => {
    const r = await stack.http('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok' });
  });

  test('GET /readyz → 200 with Postgres and Temporal both ok', async () => {
    const r = await stack.http('GET', '/readyz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
  });
});

describe('X-Request-Id', () => {
  test.each(['abc-123', 'req_01.HX-9', randomUUID(), 'a'.repeat(64)])('a valid id (%s) is echoed', async (id) => {
    const r = await stack.http('GET', '/healthz', { headers: { 'x-request-id': id } });
    expect(r.headers.get('x-request-id')).toBe(id);
  });

  test.each(['', 'has spaces', 'semi;colon', '<script>', 'a'.repeat(65), 'ünïcode'])('an invalid id (%j) is replaced by a fresh UUID', async (id) => {
    const r = await stack.http('GET', '/healthz', { headers: { 'x-request-id': id } });
    const got = r.headers.get('x-request-id');
    expect(got).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(got).not.toBe(id);
  });

  test('without one, each response gets its own id, errors included', async () => {
    const [a, b, missing] = [await stack.http('GET', '/healthz'), await stack.http('GET', '/healthz'), await stack.http('GET', '/nope')];
    for (const r of [a, b, missing]) expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    expect(missing.status).toBe(404);
  });

  test('is echoed on error answers too', async () => {
    const r = await stack.http('POST', '/v1/sessions', { body: {}, headers: { 'x-request-id': 'trace-me-1' } });
    expect(r.status).toBe(400);
    expect(r.headers.get('x-request-id')).toBe('trace-me-1');
  });
});
