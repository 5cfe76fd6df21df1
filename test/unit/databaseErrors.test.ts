import postgres from 'postgres';
import { databaseUnavailable } from '../../libraries/databaseErrors';

const withCode = (code: string) => Object.assign(new Error(code), { code });
/** What postgres.js throws for an ErrorResponse from the server. */
const serverError = (code: string) => Object.assign(Object.create(postgres.PostgresError.prototype) as Error, { name: 'PostgresError', message: 'x', code });

describe('databaseUnavailable', () => {
  test.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'CONNECTION_ENDED'])(
    '%s → 503 database.unavailable with Retry-After',
    (code) => {
      const e = databaseUnavailable(withCode(code))!;
      expect(e).toMatchObject({ status: 503, code: 'database.unavailable' });
      expect(e.extra.headers).toEqual({ 'Retry-After': '5' });
    },
  );

  test.each(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '08P01'])('server SQLSTATE %s → 503', (code) => {
    expect(databaseUnavailable(serverError(code))).toMatchObject({ status: 503, code: 'database.unavailable' });
  });

  test('an AggregateError from connecting to several addresses, or a wrapped cause, is an outage too', () => {
    expect(databaseUnavailable(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect'))).toBeDefined();
    expect(databaseUnavailable(new Error('query failed', { cause: withCode('ECONNRESET') }))).toBeDefined();
  });

  test.each([
    ['a unique violation', serverError('23505')],
    ['a syntax error', serverError('42601')],
    ['a query cancelled by statement_timeout', serverError('57014')],
    ['an 08xxx-looking code not from the server', withCode('08006')],
    ['a plain Error', new Error('boom')],
    ['a string', 'ECONNREFUSED'],
    ['undefined', undefined],
  ])('%s is not an outage', (_what, err) => {
    expect(databaseUnavailable(err)).toBeUndefined();
  });
});
