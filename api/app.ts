import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import swaggerUi from 'swagger-ui-express';
import type { Sql } from '../db/client';
import type { Config } from '../lib/config';
import { requestForLog, type Logger } from '../lib/logger';
import { createAuthenticate, registerSecuritySchemes } from './auth';
import { developerSettingsRoutes } from './routes/developerSettings';
import { createAccessTokens } from '../libraries/accessTokens';
import type { CredentialCache } from '../libraries/credentialCache';
import { createApiKeys } from '../libraries/apiKeys';
import { errorHandler, notFoundHandler } from './errors';
import { installMetrics } from './metrics';
import { RouteBuilder } from './route';
import { companyRoutes } from './routes/companies';
import { companyMemberRoutes } from './routes/companyMembers';
import { createCompanyMembers } from '../libraries/companyMembers';
import { companyAppRoutes } from './routes/companyApps';
import { companyAuditLogRoutes } from './routes/companyAuditLog';
import { createCompanyAuditLog } from '../libraries/companyAuditLog';
import { memberDeactivationRoutes } from './routes/memberDeactivation';
import { offboardingRoutes } from './routes/offboardings';
import { createOffboardings } from '../libraries/offboarding/service';
import { createOffboardingBatches } from '../libraries/offboarding/batches';
import { serviceAccountRoutes } from './routes/serviceAccounts';
import { createCompanyApps } from '../libraries/companyApps';
import { createMemberDeactivation } from '../libraries/memberDeactivation';
import { createServiceAccounts } from '../libraries/serviceAccounts';
import { accountDeletionRoutes } from './routes/accountDeletion';
import { healthRoutes } from './routes/health';
import { indexRoutes } from './routes/index';
import { accountCreationRoutes } from './routes/accountCreations';
import { mergeRoutes } from './routes/merges';
import { accountOverviewRoutes } from './routes/accountOverview';
import { passwordChangeRoutes } from './routes/passwordChange';
import { passwordPolicyRoutes } from './routes/passwordPolicy';
import { passwordResetRoutes } from './routes/passwordResets';
import { profileRoutes } from './routes/profile';
import { recoveryEmailRoutes } from './routes/recoveryEmail';
import { createRecoveryEmailService } from '../libraries/recoveryEmail/service';
import { createProfileService } from '../libraries/profile/service';
import { sessionRoutes } from './routes/sessions';
import { twoFactorRoutes } from './routes/twoFactor';
import { notificationSettingsRoutes } from './routes/notificationSettings';
import { personalDataRoutes } from './routes/personalData';
import { memberOnboardingRoutes } from './routes/memberOnboarding';
import { createMemberOnboarding } from '../libraries/memberOnboarding/service';
import { companyWebhookRoutes } from './routes/companyWebhooks';
import { createCompanyWebhooks } from '../libraries/companyWebhooks/service';
import { settingsPage } from './settingsPage';
import { ErrorSchema } from './schemas/common';
import { docsContentSecurityPolicy, noStore, securityHeaders } from './security';
import { createAccountCreationService } from '../libraries/accountCreation/service';
import { createMergeService } from '../libraries/merges/service';
import { createAccountDeletionService } from '../libraries/accountDeletion/service';
import { createAccountOverview } from '../libraries/accountOverview';
import { createPasswordChange } from '../libraries/passwordChange';
import { createPasswordResets } from '../libraries/passwordResets/service';
import { createCompanyPasswordPolicy } from '../libraries/passwordExpiry';
import { createSessions } from '../libraries/sessions';
import { createSecondFactorSignIn, createTwoFactor } from '../libraries/twoFactor';
import { createNotificationSettings } from '../libraries/notificationSettings';
import { createPersonalData } from '../libraries/personalData';
import { createSignInThrottle } from '../libraries/signInThrottle';
import { createCodeFlows } from '../libraries/verification';

export interface AppDeps {
  config: Config;
  sql: Sql;
  temporal: Client;
  logger: Logger;
  /**
   * The process's token cache (libraries/credentialCache), created, started and closed by the process's entry;
   * without it (AUTH_CACHE=false, scripts), every token is looked up in Postgres.
   */
  credentialCache?: CredentialCache;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the HTTP app without listening, so tests and the server entry share it. */
export function createApp({ config, sql, temporal, logger, credentialCache }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  app.use(securityHeaders());
  app.use(installMetrics(app));
  app.use('/v1', noStore);

  app.use(
    pinoHttp({
      logger,
      // The path only: query values are personal data (lib/logger.ts).
      serializers: { req: requestForLog },
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Health probes every few seconds would drown the log.
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  const registry = new OpenAPIRegistry();
  registry.register('Error', ErrorSchema);
  registerSecuritySchemes(registry);
  // One sign-in throttle: a password change verifies the current password on the same counters.
  const throttle = createSignInThrottle(sql, config.signInThrottle);
  // Two-factor authentication: its gate turns a right password into a second-factor challenge.
  const twoFactor = createTwoFactor({ sql, keys: config.keys, previousKeys: config.previousKeys, throttle });
  const sessions = createSessions({
    sql, throttle, sessionTtlMs: config.sessionTtlMs, sessionIdleSeconds: config.sessionIdleSeconds, secondFactor: twoFactor.gate,
  });
  const codeFlows = createCodeFlows({ sql, temporal, keys: config.keys, deadlineMs: config.temporal.deadlineMs });
  // One authentication model: every request resolves to one principal, whatever credential it came with.
  const accessTokens = createAccessTokens({ sql, cache: credentialCache });
  const revocations = credentialCache?.revocations;
  const apiKeys = createApiKeys({ sql });
  const authenticate = createAuthenticate({ sessions, tokens: accessTokens, apiKeys });
  const api = new RouteBuilder(registry, {
    authenticate,
    validateResponses: config.env !== 'production',
    bodyLimit: '16kb',
    streams: config.streams,
  });

  indexRoutes(api, { docs: config.apiDocs });
  healthRoutes(api, { sql, temporal });
  sessionRoutes(api, sessions);
  twoFactorRoutes(api, { twoFactor, secondFactor: createSecondFactorSignIn({ twoFactor, sessions }) });
  developerSettingsRoutes(api, { tokens: accessTokens, apiKeys });
  companyRoutes(api, createCompanyPasswordPolicy({ sql }));
  companyMemberRoutes(api, createCompanyMembers({ sql }));
  companyAppRoutes(api, createCompanyApps({ sql }));
  companyAuditLogRoutes(api, createCompanyAuditLog({ sql }));
  serviceAccountRoutes(api, createServiceAccounts({ sql, cache: credentialCache }));
  memberDeactivationRoutes(api, createMemberDeactivation({ sql, revocations }));
  const offboardingDeps = { sql, temporal, call: codeFlows.call, addressKey: config.keys.addressKey, settings: { taskQueue: config.temporal.taskQueue } };
  offboardingRoutes(api, {
    offboardings: createOffboardings(offboardingDeps),
    batches: createOffboardingBatches({ ...offboardingDeps, batch: config.offboardingBatch }),
  });
  passwordPolicyRoutes(api);
  accountOverviewRoutes(api, createAccountOverview({ sql }));
  passwordChangeRoutes(api, createPasswordChange({ sql, throttle }));
  accountDeletionRoutes(api, createAccountDeletionService({ sql, temporal, call: codeFlows.call, settings: { taskQueue: config.temporal.taskQueue } }));
  accountCreationRoutes(api, createAccountCreationService({
    sql, temporal, codeFlows, addressKey: config.keys.addressKey,
    settings: { taskQueue: config.temporal.taskQueue, ttlMs: config.accountCreationTtlMs },
  }));
  mergeRoutes(api, createMergeService({ sql, temporal, codeFlows, revocations, settings: { taskQueue: config.temporal.taskQueue, mergeTtlMs: config.mergeTtlMs } }));
  profileRoutes(api, createProfileService({ sql }));
  recoveryEmailRoutes(api, createRecoveryEmailService({ sql, temporal, codeFlows, settings: { taskQueue: config.temporal.taskQueue, ttlMs: 3_600_000 } }));
  notificationSettingsRoutes(api, createNotificationSettings({ sql }));
  personalDataRoutes(api, createPersonalData({ sql }));
  companyWebhookRoutes(api, createCompanyWebhooks({ sql, keys: config.keys, previousKeys: config.previousKeys, settings: config.webhooks }));
  passwordResetRoutes(api, createPasswordResets({
    sql, temporal, codeFlows, keys: config.keys, settings: { taskQueue: config.temporal.taskQueue, ttlMs: config.passwordResetTtlMs },
  }));
  memberOnboardingRoutes(api, createMemberOnboarding({
    sql, temporal, codeFlows, keys: config.keys,
    settings: { taskQueue: config.temporal.taskQueue, ttlMs: config.invitationTtlMs, resendIntervalMs: config.invitationResendIntervalMs },
  }));

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Custodian API',
      version: '0.1.0',
      description: 'User lifecycle for a developer platform. Errors share one shape: `{error, code, details?}`.',
      // package.json says UNLICENSED, npm's word for "not open source" and no SPDX id; an SPDX
      // LicenseRef- names a license of one's own, and there is no license URL to give instead.
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'This API, on the host that serves this document' }],
  });
  // API_DOCS=false: neither is served, so both answer 404 route.not_found.
  if (config.apiDocs) {
    app.get('/openapi.json', (_req, res) => {
      res.json(document);
    });
    app.use('/docs', docsContentSecurityPolicy(), swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'Custodian API' }));
  }
  app.use(settingsPage());
  app.use(api.router);
  app.use(api.methodNotAllowed());
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
