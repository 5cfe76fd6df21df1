// Reading an uploaded CSV (libraries/csv.ts parseCsv): headers matched to the caller's canonical columns without case,
// and an ambiguous header (a column named twice, an unknown column, a required one missing) refused whole, naming it.
import { parseCsv } from '../../libraries/csv';

const columns = { allowed: ['email', 'uuid', 'successor', 'trainingApps'], required: ['successor'] } as const;
const read = (csv: string) => parseCsv(Buffer.from(csv), { maxRows: 3, columns });
const refusal = (csv: string) => {
  try {
    read(csv);
  } catch (err) {
    return { status: (err as { status: number }).status, code: (err as { code: string }).code, message: (err as Error).message };
  }
  throw new Error('the CSV was accepted');
};

test('headers in any case, spacing or separator become the canonical names; cells trimmed; a BOM ignored', () => {
  expect(read('\ufeff EMAIL ,Successor,Training apps\r\n a@x.test , b@x.test ,app\r\n'))
    .toEqual([{ email: 'a@x.test', successor: 'b@x.test', trainingApps: 'app' }]);
  expect(read('uuid,SUCCESSOR,training_apps\n,b@x.test,\n')).toEqual([{ uuid: '', successor: 'b@x.test', trainingApps: '' }]);
});

test.each([
  ['the same header twice', 'email,successor,email\na,b,c\n', /named more than once: email \(columns 1 and 3\)/],
  ['the same header in another case', 'Email,successor,EMAIL\na,b,c\n', /named more than once: EMAIL \(columns 1 and 3\)/],
  ['the same header with spaces around it', 'successor, successor \na,b\n', /named more than once: successor \(columns 1 and 2\)/],
  ['two spellings of one column', 'trainingApps,successor,training_apps\na,b,c\n', /named more than once: training_apps \(columns 1 and 3\)/],
  ['an unknown column', 'email,successor,role\na,b,c\n', /Unknown column role: the columns are email, uuid, successor, trainingApps/],
  ['unknown columns', 'mail,successor,role\na,b,c\n', /Unknown columns mail, role/],
  ['an unnamed column', 'email,successor,\na,b,c\n', /Unknown column \(unnamed column 3\)/],
  ['a required column missing', 'email,uuid\na,b\n', /The CSV has no successor column/],
])('%s: 400 request.invalid_csv naming it', (_name, csv, message) => {
  const r = refusal(csv);
  expect(r).toMatchObject({ status: 400, code: 'request.invalid_csv' });
  expect(r.message).toMatch(message);
});

test('a header row only is no rows; an empty document neither; too many rows and ragged rows are refused', () => {
  expect(read('email,successor\n')).toEqual([]);
  expect(read('')).toEqual([]);
  expect(refusal('successor\na\nb\nc\nd\n').message).toMatch(/At most 3 rows/);
  expect(read('successor\na\nb\nc\n')).toHaveLength(3);
  expect(refusal('email,successor\na,b,c\n').message).toMatch(/could not be read \(line 2\)/);
});

test('without columns (reading our own exports back): keys as written, still never a header twice', () => {
  expect(parseCsv(Buffer.from('Action,ActorAccountId\nx,y\n'), { maxRows: 10 })).toEqual([{ Action: 'x', ActorAccountId: 'y' }]);
  expect(() => parseCsv(Buffer.from('Action,action\nx,y\n'), { maxRows: 10 })).toThrow(/named more than once: action/);
});
