import { BUDGETS } from '../../libraries/budgets';
import type { CompanyWebhooks } from '../../libraries/companyWebhooks/service';
import { actorOf } from '../actor';
import type { RouteBuilder } from '../route';
import { ErrorSchema, IdParams } from '../schemas/common';
import { RegisteredWebhook, RegisterWebhook, Webhook, WebhookDeliveriesQuery, WebhookDeliveryPage, WebhookPing } from '../schemas/companyWebhooks';

const TAGS = ['Company webhooks'];
const PATH = '/v1/companies/:id/webhook';
const WHO = 'By a company admin or a service account of this company.';

const forbidden = { description: 'A member of the company who is neither its admin nor a service account (`company.admin_required`)', schema: ErrorSchema };
const notFound = { description: 'Not the caller\'s company, or no such company (`company.not_found`)', schema: ErrorSchema };
const noWebhook = {
  description: 'Not the caller\'s company or no such company (`company.not_found`), or the company has no webhook (`webhook.not_found`)',
  schema: ErrorSchema,
};

export function companyWebhookRoutes(api: RouteBuilder, webhooks: CompanyWebhooks): void {
  api.route({
    operationId: 'registerCompanyWebhook', method: 'put', path: PATH, tags: TAGS, auth: { scope: 'company-users:write' },
    summary: 'Register or replace the company\'s webhook',
    description:
      `${WHO} Offboarding runs that complete or fail are POSTed there, signed (\`Custodian-Signature\`, see README "Webhooks"). ` +
      'The URL must be https on a public host; private, loopback, link-local and reserved addresses are refused, and are checked again ' +
      'on the resolved address at every delivery. Without `secret`, one is generated and answered this once; replacing a webhook always ' +
      'replaces its secret. Audited as `webhook.registered`.',
    params: IdParams,
    body: RegisterWebhook,
    responses: {
      200: { description: 'Replaced', schema: RegisteredWebhook },
      201: { description: 'Registered', schema: RegisteredWebhook },
      403: forbidden,
      404: notFound,
      422: { description: 'The URL is not allowed (`webhook.url_not_allowed`): not https, credentials in it, or a private or local host', schema: ErrorSchema },
    },
    handler: async ({ req, auth, params, body }) => {
      const { webhook, secret, created } = await webhooks.register(actorOf(auth, req), params.id, body);
      return { status: created ? 201 : 200, body: { ...webhook, ...(secret !== undefined ? { secret } : {}) } };
    },
  });

  api.route({
    operationId: 'getCompanyWebhook', method: 'get', path: PATH, tags: TAGS, auth: { scope: 'company-users:read' },
    summary: 'The company\'s webhook, without its secret',
    description: `${WHO} Audited as \`webhook.read\`.`,
    params: IdParams,
    responses: { 200: { description: 'The webhook', schema: Webhook }, 403: forbidden, 404: noWebhook },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await webhooks.get(actorOf(auth, req), params.id) }),
  });

  api.route({
    operationId: 'deleteCompanyWebhook', method: 'delete', path: PATH, tags: TAGS, auth: { scope: 'company-users:write' },
    summary: 'Remove the company\'s webhook',
    description: `${WHO} Nothing is sent any more; events not yet delivered are dropped. The delivery history stays listable. Audited as \`webhook.deleted\`.`,
    params: IdParams,
    responses: { 204: { description: 'Removed' }, 403: forbidden, 404: noWebhook },
    handler: async ({ req, auth, params }) => {
      await webhooks.remove(actorOf(auth, req), params.id);
      return { status: 204 };
    },
  });

  api.route({
    operationId: 'testCompanyWebhook', method: 'post', path: `${PATH}/test`, tags: TAGS, auth: { scope: 'company-users:write' },
    summary: 'Send a signed `ping` event to the webhook now',
    description:
      `${WHO} One attempt, no retries, signed and shaped like every event (\`type: "ping"\`, \`data: {}\`), so an HR integrator can check ` +
      'their signature verification. Answers what happened, including a receiver\'s failure (then `delivered: false`); the attempt is ' +
      `listed among the deliveries. At most ${BUDGETS.webhookTestsPerCompany.limit} pings per company an hour. Audited as \`webhook.tested\`.`,
    params: IdParams,
    responses: {
      200: { description: 'The ping was attempted; `delivered` says whether the receiver answered 2xx', schema: WebhookPing },
      403: forbidden,
      404: noWebhook,
      429: {
        description: `The company sent ${BUDGETS.webhookTestsPerCompany.limit} test pings within the hour (\`webhook.too_many_tests\`)`,
        schema: ErrorSchema, headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
      },
    },
    handler: async ({ req, auth, params }) => ({ status: 200, body: await webhooks.ping(actorOf(auth, req), params.id) }),
  });

  api.route({
    operationId: 'listCompanyWebhookDeliveries', method: 'get', path: `${PATH}/deliveries`, tags: TAGS, auth: { scope: 'company-users:read' },
    summary: 'Delivery attempts of the company\'s webhook events, newest first',
    description:
      `${WHO} One item per attempt (retries of one event share its \`eventId\`), with the receiver's status or why none came. Bodies are ` +
      'not stored. Still listed after the webhook is removed. Cursor-paged. Audited as `webhook.deliveries_listed`.',
    params: IdParams,
    query: WebhookDeliveriesQuery,
    responses: { 200: { description: 'A page of attempts', schema: WebhookDeliveryPage }, 403: forbidden, 404: notFound },
    handler: async ({ req, auth, params, query }) => ({ status: 200, body: await webhooks.deliveries(actorOf(auth, req), params.id, query) }),
  });
}
