import sharp from 'sharp';
import { deflateSync } from 'node:zlib';
import { checkedHttp, expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';

// No worker: the profile runs no workflow.
const stack = suiteStack({ worker: false });
const { call, signedIn } = checkedHttp(stack);

const png = (width = 400, height = 300) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 60 } } }).png().toBuffer();

/** Uploads raw bytes; the test helper sends strings only, so this goes through fetch. */
async function upload(token: string | undefined, bytes: Buffer, type = 'image/png') {
  const headers: Record<string, string> = { 'content-type': type };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${stack.baseUrl}/v1/profile/avatar`, { method: 'PUT', headers, body: bytes });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function fetchAvatar(profileId: string, { token, etag }: { token?: string; etag?: string } = {}) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (etag) headers['if-none-match'] = etag;
  const res = await fetch(`${stack.baseUrl}/v1/profiles/${profileId}/avatar`, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const storedAvatars = async (profileId: string) =>
  (await stack.sql<{ n: number }[]>`select count(*)::int as n from profile_avatars where profile_id = ${profileId}`)[0]!.n;

beforeAll(async () => {
  await stack.sql`insert into skills (name) values ('TypeScript'), ('Temporal'), ('Mendix') on conflict do nothing`;
  await stack.sql`insert into industries (name) values ('Finance'), ('Healthcare') on conflict do nothing`;
});

describe('catalogues', () => {
  test('skills, industries and countries are public and sorted by name', async () => {
    const skills = await call('GET', '/v1/catalogues/skills');
    expect(skills.status).toBe(200);
    expect(skills.body.entries.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['Mendix', 'Temporal', 'TypeScript']));
    const industries = await call('GET', '/v1/catalogues/industries');
    expect(industries.body.entries.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['Finance', 'Healthcare']));
    const countries = await call('GET', '/v1/catalogues/countries');
    expect(countries.body.countries).toHaveLength(249);
    expect(countries.body.countries).toContainEqual({ code: 'NL', name: 'Netherlands' });
  });
});

describe('GET and PATCH /v1/profile', () => {
  test('reads the profile and edits every field, with the country\'s name and the catalogue names', async () => {
    const { person, token } = await signedIn();
    const before = await call('GET', '/v1/profile', { token });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ id: person.profileId, public: false, avatarUrl: null, skills: [], industries: [], recoveryEmail: null });
    expect(before.body.missingForPublic.map((m: { code: string }) => m.code)).toHaveLength(7);

    const r = await call('PATCH', '/v1/profile', {
      token,
      body: {
        name: '  Ada Lovelace ', jobTitle: 'Engineer', department: 'Analytics', country: 'GB', about: 'Notes on the engine',
        skills: ['typescript', 'Temporal'], industries: ['Finance'],
        twitterUrl: 'https://x.com/ada', linkedinUrl: 'https://www.linkedin.com/in/ada-lovelace',
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'Ada Lovelace', jobTitle: 'Engineer', department: 'Analytics', country: { code: 'GB', name: 'United Kingdom' },
      about: 'Notes on the engine', skills: ['Temporal', 'TypeScript'], industries: ['Finance'],
      twitterUrl: 'https://x.com/ada', linkedinUrl: 'https://www.linkedin.com/in/ada-lovelace',
    });
    // Only the avatar is still missing.
    expect(r.body.missingForPublic).toEqual([{ code: 'profile.avatar_missing', message: 'Add an avatar' }]);

    const cleared = await call('PATCH', '/v1/profile', { token, body: { jobTitle: null, twitterUrl: null } });
    expect(cleared.body).toMatchObject({ jobTitle: null, twitterUrl: null, department: 'Analytics' });
  });

  test('validates every field, with limits', async () => {
    const { token } = await signedIn();
    const bad = await call('PATCH', '/v1/profile', {
      token,
      body: {
        name: '', jobTitle: 'x'.repeat(101), department: 'x'.repeat(101), country: 'XX', about: 'x'.repeat(2001),
        skills: ['TypeScript', 'typescript'], industries: Array.from({ length: 21 }, (_, i) => `i${i}`),
        twitterUrl: 'https://evil.example/ada', linkedinUrl: 'https://linkedin.com/company/acme', extra: 1,
      },
    });
    expectError(bad, 400, 'request.invalid');
    const paths = bad.body.details.map((d: { path: string }) => d.path);
    for (const f of ['name', 'jobTitle', 'department', 'country', 'about', 'skills', 'industries', 'twitterUrl', 'linkedinUrl']) {
      expect(paths).toContain(`body.${f}`);
    }
    expectError(await call('PATCH', '/v1/profile', { token, body: { name: null } }), 400, 'request.invalid');
    expectError(await call('PATCH', '/v1/profile', { token, body: { about: 'a\u0000b' } }), 400, 'request.invalid');
    expectError(await call('PATCH', '/v1/profile', { body: { about: 'x' } }), 401, 'auth.unauthenticated');
  });

  test('unknown catalogue entries get 422 listing every one, and change nothing', async () => {
    const { token } = await signedIn();
    const r = await call('PATCH', '/v1/profile', { token, body: { about: 'kept?', skills: ['TypeScript', 'Cobol++', 'Haskell'], industries: ['Finance', 'Piracy'] } });
    expectError(r, 422, 'profile.unknown_catalogue_entry');
    expect(r.body.details).toEqual([
      { path: 'body.skills.1', message: 'Unknown skill: Cobol++' },
      { path: 'body.skills.2', message: 'Unknown skill: Haskell' },
    ]);
    expect((await call('GET', '/v1/profile', { token })).body).toMatchObject({ about: null, skills: [] });
  });
});

describe('avatar', () => {
  test('PUT stores a 256x256 WebP; GET serves it with ETag, 304 and Cache-Control; DELETE removes it', async () => {
    const { person, token } = await signedIn();
    const r = await upload(token, await png());
    expect(r.status).toBe(200);
    expect(r.body.avatarUrl).toMatch(new RegExp(`^/v1/profiles/${person.profileId}/avatar\\?v=[0-9a-f]{32}$`));
    const etag = r.body.avatarUrl.split('=')[1];

    const got = await fetchAvatar(person.profileId, { token });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/webp');
    expect(got.headers.get('etag')).toBe(`"${etag}"`);
    expect(got.headers.get('cache-control')).toBe('private, no-cache');
    const meta = await sharp(got.bytes).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 256, height: 256 });

    const again = await fetchAvatar(person.profileId, { token, etag: `"${etag}"` });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);

    // A private profile's avatar is its owner's only: the same 404 as none.
    expect((await fetchAvatar(person.profileId)).status).toBe(404);
    const other = await signedIn();
    expect((await fetchAvatar(person.profileId, { token: other.token })).status).toBe(404);

    const del = await call('DELETE', '/v1/profile/avatar', { token });
    expect(del.status).toBe(200);
    expect(del.body.avatarUrl).toBeNull();
    expect((await fetchAvatar(person.profileId, { token })).status).toBe(404);
  });

  test('EXIF and GPS metadata are stripped, whatever the upload carried', async () => {
    const { person, token } = await signedIn();
    const withGps = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366ff' } })
      .jpeg()
      .withMetadata({ exif: { IFD0: { Make: 'SpyCam', Copyright: 'secret-owner' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 22/1 0/1' } } })
      .toBuffer();
    const source = await sharp(withGps).metadata();
    expect(source.exif).toBeDefined();
    expect(source.exif!.toString('latin1')).toContain('SpyCam');

    expect((await upload(token, withGps, 'image/jpeg')).status).toBe(200);
    const stored = (await stack.sql<{ content: Buffer }[]>`select content from profile_avatars where profile_id = ${person.profileId}`)[0]!.content;
    const meta = await sharp(stored).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(stored.toString('latin1')).not.toMatch(/SpyCam|secret-owner|GPS|Exif/);
  });

  test('JPEG and WebP are accepted; the type is read from the bytes, not Content-Type', async () => {
    const { token } = await signedIn();
    const webp = await sharp({ create: { width: 300, height: 300, channels: 4, background: '#00ff0080' } }).webp().toBuffer();
    expect((await upload(token, webp, 'image/webp')).status).toBe(200);
    // A PNG labelled JPEG is still read as what it is.
    expect((await upload(token, await png(), 'image/jpeg')).status).toBe(200);
  });

  test('bad input gets a clear 4xx and stores nothing', async () => {
    const { person, token } = await signedIn();
    const good = await png();
    const cases: [string, Buffer, string, number, string][] = [
      ['oversized', Buffer.concat([good, Buffer.alloc(2 * 1024 * 1024)]), 'image/png', 413, 'request.too_large'],
      ['truncated PNG', good.subarray(0, good.length - 20), 'image/png', 422, 'avatar.corrupt'],
      ['PNG followed by a ZIP', Buffer.concat([good, Buffer.from('PK\u0003\u0004zip-payload-here', 'latin1')]), 'image/png', 422, 'avatar.corrupt'],
      ['PNG followed by HTML', Buffer.concat([good, Buffer.from('<html><script>alert(1)</script></html>')]), 'image/png', 422, 'avatar.corrupt'],
      ['GIF', await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).gif().toBuffer(), 'image/png', 415, 'avatar.unsupported_type'],
      ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'), 'image/png', 415, 'avatar.unsupported_type'],
      ['HTML', Buffer.from('<!doctype html><p>hi'), 'image/png', 415, 'avatar.unsupported_type'],
      ['empty', Buffer.alloc(0), 'image/png', 422, 'avatar.empty'],
      ['not an image type', good, 'application/octet-stream', 415, 'request.unsupported_media_type'],
      ['SVG content type', good, 'image/svg+xml', 415, 'request.unsupported_media_type'],
      ['decompression bomb', bomb(20_000, 20_000), 'image/png', 422, 'avatar.too_many_pixels'],
    ];
    for (const [name, bytes, type, status, code] of cases) {
      const r = await upload(token, bytes, type);
      expect({ name, status: r.status, code: r.body?.code }).toEqual({ name, status, code });
    }
    expect(await storedAvatars(person.profileId)).toBe(0);
    expect((await call('GET', '/v1/profile', { token })).body.avatarUrl).toBeNull();
    expect((await upload(undefined, good)).status).toBe(401);
    // No body at all (no Content-Length, no Transfer-Encoding).
    const bare = await fetch(`${stack.baseUrl}/v1/profile/avatar`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' } });
    expect({ status: bare.status, code: ((await bare.json()) as { code: string }).code }).toEqual({ status: 422, code: 'avatar.empty' });
  });
});

/** A valid PNG of width×height grey pixels, all zero: a few kB that would decode to width×height bytes. */
function bomb(width: number, height: number): Buffer {
  const crc = (buf: Buffer) => {
    let c = ~0;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
    return ~c >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * 64); // a few rows; enough for the header to claim the rest
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('making the profile public', () => {
  test('422 lists every missing item with a stable code; private is always allowed', async () => {
    const { token } = await signedIn();
    const r = await call('POST', '/v1/profile/visibility', { token, body: { public: true } });
    expectError(r, 422, 'profile.not_publishable');
    expect(r.body.rules).toEqual([
      'profile.avatar_missing', 'profile.job_title_missing', 'profile.department_missing', 'profile.country_missing',
      'profile.about_missing', 'profile.skills_missing', 'profile.industries_missing',
    ]);
    expect(r.body.details).toHaveLength(7);
    const off = await call('POST', '/v1/profile/visibility', { token, body: { public: false } });
    expect(off.status).toBe(200);
    expect(off.body.public).toBe(false);
    expectError(await call('POST', '/v1/profile/visibility', { token, body: { public: 'yes' } }), 400, 'request.invalid');
  });

  test('a complete profile becomes public: readable without signing in, public fields only; private again is 404', async () => {
    const { person, token } = await signedIn();
    await call('PATCH', '/v1/profile', {
      token,
      body: { jobTitle: 'Engineer', department: 'R&D', country: 'NL', about: 'Hi', skills: ['Mendix'], industries: ['Healthcare'] },
    });
    expect((await upload(token, await png())).status).toBe(200);
    await stack.sql`update profiles set recovery_email = 'secret-recovery@example.com' where id = ${person.profileId}`;
    expectError(await call('GET', `/v1/profiles/${person.profileId}`), 404, 'profile.not_found');

    const on = await call('POST', '/v1/profile/visibility', { token, body: { public: true } });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ public: true, missingForPublic: [] });

    const pub = await call('GET', `/v1/profiles/${person.profileId}`);
    expect(pub.status).toBe(200);
    expect(Object.keys(pub.body).sort()).toEqual(
      ['about', 'avatarUrl', 'country', 'department', 'id', 'industries', 'jobTitle', 'linkedinUrl', 'name', 'skills', 'twitterUrl'],
    );
    expect(JSON.stringify(pub.body)).not.toContain('secret-recovery');
    expect(pub.body.country).toEqual({ code: 'NL', name: 'Netherlands' });

    // Public: the avatar is served to anyone, cacheable.
    const avatar = await fetchAvatar(person.profileId);
    expect(avatar.status).toBe(200);
    expect(avatar.headers.get('cache-control')).toBe('public, max-age=300');

    // Clearing a prerequisite makes it private again.
    const edited = await call('PATCH', '/v1/profile', { token, body: { about: null } });
    expect(edited.body.public).toBe(false);
    expectError(await call('GET', `/v1/profiles/${person.profileId}`), 404, 'profile.not_found');
    expectError(await call('GET', '/v1/profiles/00000000-0000-4000-8000-000000000000'), 404, 'profile.not_found');
    expectError(await call('GET', '/v1/profiles/not-a-uuid'), 400, 'request.invalid');
  });
});
