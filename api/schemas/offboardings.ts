import { MAX_BATCH_PEOPLE } from '../../libraries/offboarding/batches';
import { NO_OTHER_MEMBERS, OFFBOARDING_STATUSES, OFFBOARDING_STEPS } from '../../workflows/shared/offboardingContract';
import { email, isoDate, text, uuid } from './common';
import { NextCursor, PageQuery } from './listing';
import { z } from './zod';

const personFields = {
  email: email.optional().openapi({ description: 'The person\'s email: any of their accounts in this company. Give `email` or `uuid`.' }),
  uuid: uuid.optional().openapi({
    description: 'The person\'s UUID: an account id (the member listing\'s UUID) or their profile id. Give `email` or `uuid`.',
    example: '00000000-0000-4000-8000-00000000a002',
  }),
};
const onePerson = (p: { email?: string | undefined; uuid?: string | undefined }) => (p.email === undefined) !== (p.uuid === undefined);
const ONE_PERSON = { message: 'give exactly one of email and uuid', path: ['email'] };

const successor = z.union([uuid, email]).openapi({
  description: 'Who takes over the person\'s apps: an active, human member of this company, by email or account id (UUID).',
  example: 'grace@demo.custodian.test',
});
const trainingApps = z.array(z.union([uuid, z.literal(NO_OTHER_MEMBERS)])).max(1000).default([]).openapi({
  description:
    'The training apps to delete: ids of apps of this company that the person is a member or the technical contact of (any other is ' +
    `refused), and/or \`"${NO_OTHER_MEMBERS}"\` for every app nobody but the person belongs to (no other member, no other technical ` +
    'contact). A licensed app is never deleted by an offboarding: it is reported as skipped.',
  example: ['4b7e2c9a-1f0e-4c7a-9d53-2f1c3a5b6d7e', NO_OTHER_MEMBERS],
});
const reason = text(1000).optional().openapi({ description: 'Free text for the record (personal data: erased with the person).', example: 'Left the company' });

export const StartOffboarding = z
  .object({
    ...personFields,
    successor,
    trainingApps,
    reason,
    effectiveAt: isoDate.optional().openapi({
      description: 'When the offboarding takes effect; default now. Until then the run waits and can be cancelled with DELETE.',
    }),
  })
  .refine(onePerson, ONE_PERSON)
  .openapi('StartOffboarding');

export const BatchPerson = z.object({ ...personFields, successor, trainingApps, reason }).refine(onePerson, ONE_PERSON).openapi('OffboardingBatchPerson');

export const StartOffboardingBatch = z
  .object({
    people: z.array(BatchPerson).min(1).max(MAX_BATCH_PEOPLE).openapi({ description: `1 to ${MAX_BATCH_PEOPLE.toLocaleString('en')} people` }),
  })
  .openapi('StartOffboardingBatch');

export const BatchQuery = z.object({
  effectiveAt: isoDate.optional().openapi({
    param: { name: 'effectiveAt', in: 'query' },
    description: 'When the whole batch takes effect; default now. Each person\'s run can be cancelled with DELETE until then.',
  }),
});

export const OffboardingParams = z.object({
  id: uuid.openapi({ param: { name: 'id', in: 'path' }, description: 'The company' }),
  offboardingId: uuid.openapi({ param: { name: 'offboardingId', in: 'path' } }),
});

export const BatchParams = z.object({
  id: uuid.openapi({ param: { name: 'id', in: 'path' }, description: 'The company' }),
  batchId: uuid.openapi({ param: { name: 'batchId', in: 'path' } }),
});

export const ListOffboardingsQuery = z.object({
  status: z.enum(OFFBOARDING_STATUSES).optional().openapi({ param: { name: 'status', in: 'query' }, description: 'Only runs with this status' }),
  ...PageQuery,
});

const Status = z.enum(OFFBOARDING_STATUSES).openapi('OffboardingStatus', {
  description: '`scheduled` (waiting for effectiveAt), `running`, `completed` (see `result`), `cancelled`, `failed` (see `failure` and the report)',
});
const Step = z.enum(OFFBOARDING_STEPS).openapi('OffboardingStep');

const Automation = z.object({
  kind: z.enum(['personalAccessToken', 'apiKey']),
  id: uuid,
  accountId: uuid,
  name: z.string().optional().openapi({ description: 'The token\'s name; absent once the person is erased' }),
  scopes: z.array(z.string()).nullable().openapi({ description: 'A token\'s scopes; `null` for an API key, which carries every right of its account' }),
  lastUsedAt: isoDate,
}).openapi('OffboardingAutomation');

const Report = z.object({
  result: z.enum(['offboarded', 'no_account']).nullable(),
  failure: z.object({ step: Step, code: z.string() }).nullable(),
  accountIds: z.array(uuid).openapi({ description: 'The person\'s accounts in the company, as step 1 found them' }),
  successorAccountId: uuid.nullable(),
  appsReassigned: z.array(uuid).openapi({ description: 'Apps whose technical contact became the successor' }),
  trainingApps: z.object({
    designated: z.array(uuid),
    deleted: z.array(uuid),
    skipped: z.array(z.object({
      appId: uuid,
      reason: z.string().openapi({ description: '`not_found`, `licensed`, or `not_person_app` (the person was neither a member nor the technical contact of it)' }),
    })),
  }),
  credentialsRevoked: z.object({ sessions: z.number().int(), apiKeys: z.number().int(), personalAccessTokens: z.number().int() }),
  accountsDeactivated: z.array(uuid),
  accountsAlreadyDeactivated: z.array(uuid),
  accountsKeptActive: z.array(z.object({
    accountId: uuid,
    reason: z.string().openapi({ description: '`last_admin` (the company\'s last active admin) or `admin_target_requires_admin` (an admin, and a service account asked)' }),
  })).optional().openapi({ description: 'Accounts the run left active, and why; absent in reports written before it existed' }),
  automationsFound: z.number().int(),
  automations: z.array(Automation).openapi({ description: 'Tokens and keys used in the 30 days before the run, listed before access was revoked' }),
  successorNotified: z.boolean(),
  steps: z.array(z.object({
    step: Step,
    outcome: z.enum(['done', 'skipped', 'failed', 'not_reached']),
    reason: z.string().optional().openapi({ description: 'Why it was skipped or failed: `no_account`, `none_designated`, an error code…' }),
  })),
}).openapi('OffboardingReport');

export const Offboarding = z.object({
  id: uuid,
  companyId: uuid,
  batchId: uuid.nullable(),
  status: Status,
  result: z.enum(['offboarded', 'no_account']).nullable().openapi({ description: 'For a completed run: `no_account` when the person had no account here (not an error)' }),
  failure: z.string().nullable().openapi({ description: 'For a failed run: the error code, such as `offboarding.successor_deactivated`' }),
  person: z.object({ profileId: uuid.nullable(), accountIds: z.array(uuid) }).openapi({ description: 'Ids only: the person as resolved when the run was requested' }),
  successorAccountId: uuid.nullable(),
  trainingApps: z.array(z.string()),
  reason: z.string().nullable(),
  effectiveAt: isoDate,
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  currentStep: z.string().nullable(),
  steps: z.array(z.object({
    step: Step,
    state: z.enum(['pending', 'running', 'done', 'skipped', 'failed', 'not_reached']),
    reason: z.string().nullable(),
    at: isoDate.nullable(),
  })).openapi({ description: 'Every step in the order they run, with its progress' }),
  // A union, not Report.nullable(): that would make the shared OffboardingReport component itself nullable.
  report: z.union([Report, z.null()]).openapi({ description: 'What was done, skipped and why; once the run is completed or failed' }),
}).openapi('Offboarding');

export const OffboardingPage = z.object({ items: z.array(Offboarding), nextCursor: NextCursor }).openapi('OffboardingPage');

export const OffboardingBatch = z.object({
  id: uuid,
  companyId: uuid,
  status: z.enum(['scheduled', 'running', 'completed']),
  effectiveAt: isoDate,
  concurrency: z.number().int().openapi({ description: 'People offboarded at once' }),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  completedAt: isoDate.nullable(),
  progress: z.object({
    total: z.number().int(),
    finished: z.number().int(),
    percent: z.number().int(),
    scheduled: z.number().int(),
    running: z.number().int(),
    completed: z.number().int(),
    cancelled: z.number().int(),
    failed: z.number().int(),
  }).openapi({ description: 'The batch\'s people by the status of their runs (a run found for a person from an earlier request counts too)' }),
}).openapi('OffboardingBatch');
