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
  'post /v1/sessions': [201, 400, 401, 403, 413, 415, 429, 503],
  'delete /v1/sessions/current': [204, 401, 503],
  'delete /v1/sessions': [204, 401, 503],
  'post /v1/profile/merges': [202, 400, 401, 404, 409, 413, 415, 429, 503],
  'get /v1/profile/merges': [200, 400, 401, 503],
  'get /v1/profile/merges/{id}': [200, 400, 401, 404, 429, 503],
  'delete /v1/profile/merges/{id}': [200, 400, 401, 404, 409, 429, 503],
  'post /v1/profile/merges/{id}/code': [200, 400, 401, 404, 409, 413, 415, 422, 429, 503],
  'post /v1/profile/merges/{id}/verification': [200, 400, 401, 404, 409, 413, 415, 422, 429, 503],
  'post /v1/profile/merges/{id}/confirmation': [200, 400, 401, 404, 409, 429, 503],
  'post /v1/profile/merges/{id}/rejection': [200, 400, 404, 409, 413, 415, 429, 503],
};
// Public: signing in, and rejecting a merge with the token from its code email.
const PUBLIC = ['post /v1/sessions', 'post /v1/profile/merges/{id}/rejection'];
const AUTHENTICATED = Object.keys(ROUTES).filter((k) => k.includes('/v1/') && !PUBLIC.includes(k));
const WITH_BODY = [
  'post /v1/sessions', 'post /v1/profile/merges', 'post /v1/profile/merges/{id}/code', 'post /v1/profile/merges/{id}/verification',
  'post /v1/profile/merges/{id}/rejection',
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
        const expected = key === 'post /v1/profile/merges/{id}/verification' && status === 422 ? 'VerificationError' : 'Error';
        expect({ key, status, schema: schemaOf(o, status) }).toEqual({ key, status, schema: `#/components/schemas/${expected}` });
      }
    }
  });

  test('the Error and VerificationError schemas describe the one error shape', () => {
    const { Error: error, VerificationError: verification } = doc.components.schemas;
    expect(error).toMatchObject({ type: 'object', required: expect.arrayContaining(['error', 'code']) });
    expect(Object.keys(error!.properties!).sort()).toEqual(['code', 'details', 'error']);
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
    expect(schemaOf(op('get /healthz'), 200)).toBe('#/components/schemas/Health');
    expect(schemaOf(op('get /readyz'), 200)).toBe('#/components/schemas/Readiness');
    expect(schemaOf(op('get /'), 200)).toBe('#/components/schemas/Index');
    expect(op('delete /v1/sessions/current').responses['204']!.content).toBeUndefined();
  });

  test('masked email options are documented in their shape: first character and the domain\'s last label', () => {
    const started = doc.components.schemas.MergeStarted as unknown as {
      properties: { emailOptions: { items: { properties: { masked: { example?: string } } } } };
    };
    expect(started.properties.emailOptions.items.properties.masked.example).toBe('a•••@•••.test');
  });

  test('authenticated routes declare the bearer session scheme; the others none', () => {
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { key, op: o } of operations()) {
      expect({ key, security: o.security }).toEqual({ key, security: AUTHENTICATED.includes(key) ? [{ session: [] }] : [] });
    }
  });

  test('body routes require a JSON body; id routes a path parameter', () => {
    for (const { key, path, op: o } of operations()) {
      if (WITH_BODY.includes(key)) {
        expect({ key, required: o.requestBody?.required, types: Object.keys(o.requestBody?.content ?? {}) }).toEqual({ key, required: true, types: ['application/json'] });
      } else {
        expect({ key, body: o.requestBody }).toEqual({ key, body: undefined });
      }
      if (path.includes('{id}')) {
        expect(o.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true, schema: expect.objectContaining({ type: 'string', format: 'uuid' }) })]);
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
