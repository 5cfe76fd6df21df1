/**
 * The profile-merge result rules of the User Settings seed (§2.3), as pure functions shared by the
 * preview and the apply transaction (libraries/merges), so what the user confirms is what gets written.
 */

/** Fields where both profiles may hold a value: the signed-in profile's value wins. */
export const CONFLICT_FIELDS = [
  'avatarUrl', 'displayName', 'jobTitle', 'country', 'about', 'twitterUrl', 'linkedinUrl',
] as const;
/** Fields the seed does not list as conflicts; they follow the same rule (a value only one side has is kept). */
export const OTHER_FIELDS = ['department', 'profileEmail', 'recoveryEmail'] as const;
export const SCALAR_FIELDS = [...CONFLICT_FIELDS, ...OTHER_FIELDS] as const;
export type ScalarField = (typeof SCALAR_FIELDS)[number];

export interface ProfileSnapshot {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  jobTitle: string | null;
  department: string | null;
  country: string | null;
  about: string | null;
  twitterUrl: string | null;
  linkedinUrl: string | null;
  profileEmail: string | null;
  recoveryEmail: string | null;
  points: number;
  credits: number;
  skills: string[];
  industries: string[];
  achievements: string[];
  certifications: string[];
  /** course -> percent complete */
  academyProgress: Record<string, number>;
  accountIds: string[];
}

export type Side = 'signedIn' | 'other';

export interface FieldOutcome {
  field: ScalarField;
  value: string | null;
  source: Side | null;
  /** The other profile's value, when it differs and is discarded. */
  discarded: string | null;
}

export interface MergeResult {
  fields: FieldOutcome[];
  points: { signedIn: number; other: number; result: number };
  credits: { signedIn: number; other: number; result: number };
  skills: SetOutcome;
  industries: SetOutcome;
  achievements: SetOutcome;
  certifications: SetOutcome;
  academyProgress: { course: string; signedIn: number | null; other: number | null; result: number; source: Side }[];
  movedAccountIds: string[];
  deletedProfileId: string;
}

export interface SetOutcome {
  result: string[];
  fromOther: string[];
}

/** Blank text counts as absent: a whitespace-only name or URL is no value worth keeping over a real one. */
const present = (v: string | null): v is string => v !== null && v.trim() !== '';

function fieldOutcome(field: ScalarField, signedIn: string | null, other: string | null): FieldOutcome {
  if (present(signedIn)) {
    return { field, value: signedIn, source: 'signedIn', discarded: present(other) && other !== signedIn ? other : null };
  }
  if (present(other)) return { field, value: other, source: 'other', discarded: null };
  // Neither is worth keeping: the signed-in profile keeps what it had (a required name stays non-null).
  if (signedIn !== null) return { field, value: signedIn, source: 'signedIn', discarded: null };
  return { field, value: other, source: other === null ? null : 'other', discarded: null };
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Case-insensitive union, first spelling wins (the signed-in profile's, then the other's): `first-app` and
 * `First-App` are one achievement. The apply writes exactly `result`, so the stored set is the preview.
 */
function union(signedIn: string[], other: string[]): SetOutcome {
  const seen = new Set<string>();
  const firstSpelling = (s: string) => {
    const key = s.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const kept = signedIn.filter(firstSpelling);
  const fromOther = other.filter(firstSpelling);
  return { result: [...kept, ...fromOther].sort(byCodePoint), fromOther: fromOther.sort(byCodePoint) };
}

/** Points and credits are 32-bit integers in storage: a sum saturates rather than failing the apply forever. */
const INT_MAX = 2 ** 31 - 1;
const sum = (a: number, b: number) => Math.min(a + b, INT_MAX);
/** A course named `constructor` or `__proto__` is a course, not an inherited property. */
const own = (progress: Record<string, number>, course: string) => (Object.hasOwn(progress, course) ? progress[course]! : null);

export function mergeProfiles(signedIn: ProfileSnapshot, other: ProfileSnapshot): MergeResult {
  const courses = [...new Set([...Object.keys(signedIn.academyProgress), ...Object.keys(other.academyProgress)])].sort();
  return {
    fields: SCALAR_FIELDS.map((f) => fieldOutcome(f, signedIn[f], other[f])),
    points: { signedIn: signedIn.points, other: other.points, result: sum(signedIn.points, other.points) },
    credits: { signedIn: signedIn.credits, other: other.credits, result: sum(signedIn.credits, other.credits) },
    skills: union(signedIn.skills, other.skills),
    industries: union(signedIn.industries, other.industries),
    achievements: union(signedIn.achievements, other.achievements),
    certifications: union(signedIn.certifications, other.certifications),
    academyProgress: courses.map((course) => {
      const a = own(signedIn.academyProgress, course);
      const b = own(other.academyProgress, course);
      const result = Math.max(a ?? 0, b ?? 0);
      return { course, signedIn: a, other: b, result, source: a !== null && a >= (b ?? 0) ? 'signedIn' : 'other' };
    }),
    movedAccountIds: [...other.accountIds],
    deletedProfileId: other.id,
  };
}

/** The scalar columns to write onto the surviving profile. */
export function mergedScalars(result: MergeResult): Record<ScalarField, string | null> {
  return Object.fromEntries(result.fields.map((f) => [f.field, f.value])) as Record<ScalarField, string | null>;
}
