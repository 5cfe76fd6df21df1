// Prometheus metrics: request duration by route template, never by a concrete id.
import { randomUUID } from 'node:crypto';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();

test('GET /metrics serves request durations by route template, method and status, and process metrics', async () => {
  const id = randomUUID();
  await stack.http('GET', '/healthz');
  await stack.http('GET', `/v1/profile/merges/${id}`);
  const r = await stack.http('GET', '/metrics');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(r.body).toMatch(/custodian_http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} 1/);
  expect(r.body).toMatch(/custodian_http_request_duration_seconds_count\{route="\/v1\/profile\/merges\/:id",method="GET",status="401"\} 1/);
  expect(r.body).toContain('process_cpu_user_seconds_total');
  expect(r.body).not.toContain(id);
});
