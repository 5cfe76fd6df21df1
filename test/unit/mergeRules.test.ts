import {
  CONFLICT_FIELDS, OTHER_FIELDS, SCALAR_FIELDS, mergeProfiles, mergedScalars, type ProfileSnapshot, type ScalarField,
} from '../../workflows/shared/mergeRules';

/** An empty profile: every scalar absent, every set empty. Tests fill in only what they are about. */
function snapshot(id: string, over: Partial<ProfileSnapshot> = {}): ProfileSnapshot {
  return {
    id,
    displayName: '',
    avatarUrl: null,
    jobTitle: null,
    department: null,
    country: null,
    about: null,
    twitterUrl: null,
    linkedinUrl: null,
    profileEmail: null,
    recoveryEmail: null,
    points: 0,
    credits: 0,
    skills: [],
    industries: [],
    achievements: [],
    certifications: [],
    academyProgress: {},
    accountIds: [],
    ...over,
  };
}

const SIGNED_IN = 'profile-signed-in';
const OTHER = 'profile-other';

function outcomeOf(field: ScalarField, signedIn: string | null, other: string | null) {
  const result = mergeProfiles(snapshot(SIGNED_IN, { [field]: signedIn }), snapshot(OTHER, { [field]: other }));
  return result.fields.find((f) => f.field === field)!;
}

test('every scalar field gets exactly one outcome, in the declared order', () => {
  const result = mergeProfiles(snapshot(SIGNED_IN), snapshot(OTHER));
  expect(result.fields.map((f) => f.field)).toEqual([...SCALAR_FIELDS]);
  expect(SCALAR_FIELDS).toEqual([...CONFLICT_FIELDS, ...OTHER_FIELDS]);
});

describe.each(CONFLICT_FIELDS.map((f) => [f]))('conflict field %s', (field) => {
  test('both set: the signed-in value wins and the other value is discarded', () => {
    expect(outcomeOf(field, 'mine', 'theirs')).toEqual({ field, value: 'mine', source: 'signedIn', discarded: 'theirs' });
  });

  test('both set to the same value: kept, nothing discarded', () => {
    expect(outcomeOf(field, 'same', 'same')).toEqual({ field, value: 'same', source: 'signedIn', discarded: null });
  });

  test('only the other profile has a value: it is kept, sourced from the other profile', () => {
    expect(outcomeOf(field, null, 'theirs')).toEqual({ field, value: 'theirs', source: 'other', discarded: null });
  });

  test('only the signed-in profile has a value: it is kept', () => {
    expect(outcomeOf(field, 'mine', null)).toEqual({ field, value: 'mine', source: 'signedIn', discarded: null });
  });

  test('neither has a value: null with no source', () => {
    expect(outcomeOf(field, null, null)).toEqual({ field, value: null, source: null, discarded: null });
  });

  test.each([[''], ['   '], ['\t\n']])('a blank signed-in value (%j) counts as absent: the other value is kept', (blank) => {
    expect(outcomeOf(field, blank, 'theirs')).toEqual({ field, value: 'theirs', source: 'other', discarded: null });
  });

  test.each([[''], ['   ']])('a blank other value (%j) counts as absent: nothing is discarded', (blank) => {
    expect(outcomeOf(field, 'mine', blank)).toEqual({ field, value: 'mine', source: 'signedIn', discarded: null });
  });

  test('both blank: the signed-in side keeps what it had, and nothing is discarded', () => {
    expect(outcomeOf(field, ' ', '')).toEqual({ field, value: ' ', source: 'signedIn', discarded: null });
    expect(outcomeOf(field, null, null)).toEqual({ field, value: null, source: null, discarded: null });
    expect(outcomeOf(field, null, ' ')).toEqual({ field, value: ' ', source: 'other', discarded: null });
  });
});

describe.each(OTHER_FIELDS.map((f) => [f]))('non-conflict field %s', (field) => {
  test('kept from the signed-in side when only it has a value', () => {
    expect(outcomeOf(field, 'mine@example.org', null)).toMatchObject({ value: 'mine@example.org', source: 'signedIn' });
  });

  test('kept from the other side when only it has a value', () => {
    expect(outcomeOf(field, null, 'theirs@example.org')).toMatchObject({ value: 'theirs@example.org', source: 'other' });
  });

  test('both set: the signed-in value wins', () => {
    expect(outcomeOf(field, 'mine', 'theirs')).toEqual({ field, value: 'mine', source: 'signedIn', discarded: 'theirs' });
  });

  test('a blank value counts as absent', () => {
    expect(outcomeOf(field, '', 'theirs')).toMatchObject({ value: 'theirs', source: 'other' });
  });
});

test('points and credits are summed, keeping both inputs for the preview', () => {
  const r = mergeProfiles(snapshot(SIGNED_IN, { points: 10, credits: 3 }), snapshot(OTHER, { points: 5, credits: 0 }));
  expect(r.points).toEqual({ signedIn: 10, other: 5, result: 15 });
  expect(r.credits).toEqual({ signedIn: 3, other: 0, result: 3 });
});

describe.each([['achievements'], ['certifications'], ['skills'], ['industries']] as const)('set %s', (key) => {
  test('union is case-insensitive; fromOther lists only what the other profile adds', () => {
    const r = mergeProfiles(
      snapshot(SIGNED_IN, { [key]: ['TypeScript', 'Go'] }),
      snapshot(OTHER, { [key]: ['typescript', 'Rust', 'Ada'] }),
    );
    expect(r[key].result).toEqual(['Ada', 'Go', 'Rust', 'TypeScript']);
    expect(r[key].fromOther).toEqual(['Ada', 'Rust']);
  });

  test('the signed-in spelling survives a case-only duplicate', () => {
    const r = mergeProfiles(snapshot(SIGNED_IN, { [key]: ['PostgreSQL'] }), snapshot(OTHER, { [key]: ['postgresql'] }));
    expect(r[key]).toEqual({ result: ['PostgreSQL'], fromOther: [] });
  });

  test('empty on both sides stays empty', () => {
    expect(mergeProfiles(snapshot(SIGNED_IN), snapshot(OTHER))[key]).toEqual({ result: [], fromOther: [] });
  });

  test('everything comes from the other side when the signed-in side has none', () => {
    const r = mergeProfiles(snapshot(SIGNED_IN), snapshot(OTHER, { [key]: ['b', 'a'] }));
    expect(r[key]).toEqual({ result: ['a', 'b'], fromOther: ['a', 'b'] });
  });
});

test('academy progress keeps the maximum per course and names its source', () => {
  const r = mergeProfiles(
    snapshot(SIGNED_IN, { academyProgress: { intro: 80, sql: 20, tie: 50, mineOnly: 10 } }),
    snapshot(OTHER, { academyProgress: { intro: 40, sql: 90, tie: 50, theirsOnly: 0 } }),
  );
  expect(r.academyProgress).toEqual([
    { course: 'intro', signedIn: 80, other: 40, result: 80, source: 'signedIn' },
    { course: 'mineOnly', signedIn: 10, other: null, result: 10, source: 'signedIn' },
    { course: 'sql', signedIn: 20, other: 90, result: 90, source: 'other' },
    { course: 'theirsOnly', signedIn: null, other: 0, result: 0, source: 'other' },
    { course: 'tie', signedIn: 50, other: 50, result: 50, source: 'signedIn' },
  ]);
});

test("the other profile's accounts move and the other profile is the one deleted", () => {
  const r = mergeProfiles(
    snapshot(SIGNED_IN, { accountIds: ['acc-1'] }),
    snapshot(OTHER, { accountIds: ['acc-2', 'acc-3'] }),
  );
  expect(r.movedAccountIds).toEqual(['acc-2', 'acc-3']);
  expect(r.deletedProfileId).toBe(OTHER);
});

test('mergeProfiles does not mutate its inputs', () => {
  const a = snapshot(SIGNED_IN, { skills: ['b', 'a'], accountIds: ['x'] });
  const b = snapshot(OTHER, { skills: ['c', 'A'], accountIds: ['y'] });
  const before = JSON.stringify([a, b]);
  const r = mergeProfiles(a, b);
  r.movedAccountIds.push('z');
  expect(JSON.stringify([a, b])).toBe(before);
});

test('mergedScalars maps every scalar field to its resulting value', () => {
  const r = mergeProfiles(
    snapshot(SIGNED_IN, { displayName: 'Ada Lovelace', country: '' }),
    snapshot(OTHER, { displayName: 'Ada King', country: 'GB', jobTitle: 'Analyst' }),
  );
  const s = mergedScalars(r);
  expect(Object.keys(s).sort()).toEqual([...SCALAR_FIELDS].sort());
  expect(s).toMatchObject({ displayName: 'Ada Lovelace', country: 'GB', jobTitle: 'Analyst', about: null });
});
