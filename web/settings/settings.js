// The settings page: a plain client of the public API (no framework, no build step). The session token
// lives in sessionStorage, so it ends with the tab. Every answer that is not 2xx is the API's one error
// shape, {error, code, details?}, shown in #message.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem('custodian.token');
  let mergeId = null;

  class ApiError extends Error {
    constructor(status, body) {
      super(body && body.error ? body.error : `HTTP ${status}`);
      this.status = status;
      this.body = body || {};
    }
  }

  async function api(method, path, body, opts = {}) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let payload;
    if (opts.raw) {
      headers['content-type'] = opts.raw.type;
      payload = opts.raw;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(path, { method, headers, body: payload });
    if (opts.response) {
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
      return res;
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      if (res.status === 401 && path !== '/v1/sessions') signedOut();
      throw new ApiError(res.status, data);
    }
    return data;
  }

  function say(text, ok) {
    $('message').textContent = text;
    $('message').className = ok ? 'ok' : '';
  }

  function explain(err) {
    if (!(err instanceof ApiError)) return say(String(err));
    const details = (err.body.details || []).map((d) => `${d.path}: ${d.message}`).join('; ');
    say(`${err.message}${err.body.code ? ` (${err.body.code})` : ''}${details ? ` — ${details}` : ''}`);
  }

  /** Runs an action, reporting its failure instead of throwing. */
  const guard = (fn) => async (event) => {
    if (event && event.preventDefault) event.preventDefault();
    try {
      await fn(event);
    } catch (err) {
      explain(err);
    }
  };

  function signedOut() {
    token = null;
    sessionStorage.removeItem('custodian.token');
    $('app').hidden = true;
    $('signin').hidden = false;
    $('signout').hidden = true;
    $('who').textContent = 'Not signed in';
  }

  async function signedIn() {
    $('signin').hidden = true;
    $('app').hidden = false;
    $('signout').hidden = false;
    await Promise.all([loadProfile(), loadAccounts(), loadNotifications()].map((p) => p.catch(explain)));
  }

  // Profile, avatar and visibility.
  const FIELDS = ['name', 'jobTitle', 'department', 'country', 'about', 'twitterUrl', 'linkedinUrl'];
  let avatarObjectUrl = null;

  async function loadProfile() {
    let p;
    try {
      p = await api('GET', '/v1/profile');
    } catch (err) {
      if (err.status === 404 || err.status === 405) {
        $('profile').hidden = true;
        return;
      }
      throw err;
    }
    $('who').textContent = `Signed in as ${p.name}`;
    for (const f of FIELDS) $(`p-${f}`).value = p[f] == null ? '' : typeof p[f] === 'object' ? p[f].code : p[f];
    $('p-skills').value = (p.skills || []).join(', ');
    $('p-industries').value = (p.industries || []).join(', ');
    $('visibility').textContent = p.public ? 'Your profile is public.' : 'Your profile is private.';
    showMissing(p.missingForPublic || []);
    await showAvatar(p.avatarUrl);
  }

  function showMissing(items) {
    const list = $('missing');
    list.replaceChildren(...items.map((m) => {
      const li = document.createElement('li');
      li.textContent = m.message || m.code || String(m);
      li.dataset.code = m.code || '';
      return li;
    }));
  }

  async function showAvatar(url) {
    if (avatarObjectUrl) URL.revokeObjectURL(avatarObjectUrl);
    avatarObjectUrl = null;
    $('avatar').hidden = !url;
    $('no-avatar').hidden = !!url;
    if (!url) return;
    const res = await api('GET', url, undefined, { response: true });
    avatarObjectUrl = URL.createObjectURL(await res.blob());
    $('avatar').src = avatarObjectUrl;
  }

  const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  const orNull = (v) => (v.trim() === '' ? null : v.trim());

  $('profile-form').addEventListener('submit', guard(async () => {
    const body = { name: $('p-name').value.trim(), skills: list($('p-skills').value), industries: list($('p-industries').value) };
    for (const f of FIELDS.filter((f) => f !== 'name')) body[f] = orNull($(`p-${f}`).value);
    if (body.country) body.country = body.country.toUpperCase();
    await api('PATCH', '/v1/profile', body);
    await loadProfile();
    say('Profile saved.', true);
  }));

  $('avatar-file').addEventListener('change', guard(async () => {
    const file = $('avatar-file').files[0];
    if (!file) return;
    const p = await api('PUT', '/v1/profile/avatar', undefined, { raw: file });
    await showAvatar(p.avatarUrl);
    say('Avatar saved.', true);
  }));

  $('avatar-remove').addEventListener('click', guard(async () => {
    await api('DELETE', '/v1/profile/avatar');
    await loadProfile();
    say('Avatar removed.', true);
  }));

  async function setVisibility(isPublic) {
    try {
      await api('POST', '/v1/profile/visibility', { public: isPublic });
      await loadProfile();
      say(isPublic ? 'Your profile is public.' : 'Your profile is private.', true);
    } catch (err) {
      if (err.status === 422 && Array.isArray(err.body.details)) {
        showMissing(err.body.details.map((d, i) => ({ message: d.message, code: (err.body.missing || [])[i] })));
      }
      throw err;
    }
  }
  $('make-public').addEventListener('click', guard(() => setVisibility(true)));
  $('make-private').addEventListener('click', guard(() => setVisibility(false)));

  // The merge flow: start, send code, verify (answers the preview), confirm.
  function mergeStep(step) {
    $('merge-code-form').hidden = step !== 'code';
    $('merge-verify-form').hidden = step !== 'verify';
    $('merge-preview-box').hidden = step !== 'preview';
    $('merge-cancel').hidden = !['code', 'verify', 'preview'].includes(step);
  }

  $('merge-start-form').addEventListener('submit', guard(async () => {
    $('merge-result').textContent = '';
    const m = await api('POST', '/v1/profile/merges', { email: $('merge-email').value.trim() });
    mergeId = m.id;
    $('merge-option').replaceChildren(...m.emailOptions.map((o) => new Option(o.masked, o.id)));
    mergeStep('code');
    say('Merge started: choose where to send the code.', true);
  }));

  $('merge-code-form').addEventListener('submit', guard(async () => {
    await api('POST', `/v1/profile/merges/${mergeId}/code`, { emailOptionId: $('merge-option').value });
    mergeStep('verify');
    say('Code sent: enter it below.', true);
  }));

  $('merge-verify-form').addEventListener('submit', guard(async () => {
    try {
      const m = await api('POST', `/v1/profile/merges/${mergeId}/verification`, { code: $('merge-code').value.trim() });
      $('merge-preview').textContent = JSON.stringify(m.preview, null, 2);
      mergeStep('preview');
      say('Code verified: review the preview, then confirm.', true);
    } catch (err) {
      if (err.body && typeof err.body.attemptsLeft === 'number') err.message += ` (${err.body.attemptsLeft} attempts left)`;
      throw err;
    }
  }));

  $('merge-confirm').addEventListener('click', guard(async () => {
    const m = await api('POST', `/v1/profile/merges/${mergeId}/confirmation`);
    mergeStep(null);
    $('merge-result').textContent = `Merge ${m.outcome || m.step}.`;
    say('The profiles are merged.', true);
    await Promise.all([loadProfile(), loadAccounts()]);
  }));

  $('merge-cancel').addEventListener('click', guard(async () => {
    const m = await api('DELETE', `/v1/profile/merges/${mergeId}`);
    mergeStep(null);
    $('merge-result').textContent = `Merge ${m.outcome || 'cancelled'}.`;
  }));

  // Accounts.
  async function loadAccounts() {
    const { accounts } = await api('GET', '/v1/accounts');
    $('accounts-body').replaceChildren(...accounts.map((a) => {
      const tr = document.createElement('tr');
      const cells = [a.email + (a.current ? ' (this one)' : ''), a.company ? a.company.name : '—', a.status,
        a.singleSignOn ? 'yes' : 'no', a.passwordExpiresAt ? new Date(a.passwordExpiresAt).toLocaleDateString() : 'never'];
      tr.replaceChildren(...cells.map((c) => {
        const td = document.createElement('td');
        td.textContent = c;
        return td;
      }));
      return tr;
    }));
  }

  // Notification settings.
  async function loadNotifications() {
    const s = await api('GET', '/v1/notification-settings');
    $('buzz-dailyDigest').checked = s.buzz.dailyDigest;
    $('buzz-activeThreads').checked = s.buzz.activeThreads;
    const { apps } = await api('GET', '/v1/notification-settings/watched-apps');
    $('watched-apps').replaceChildren(...apps.map((a) => {
      const li = document.createElement('li');
      const stop = document.createElement('button');
      stop.type = 'button';
      stop.textContent = 'Stop watching';
      stop.addEventListener('click', guard(async () => {
        await api('DELETE', `/v1/notification-settings/watched-apps/${a.id}`);
        await loadNotifications();
        say(`You no longer watch ${a.name}.`, true);
      }));
      li.append(`${a.name} `, stop);
      return li;
    }));
  }
  for (const flag of ['dailyDigest', 'activeThreads']) {
    $(`buzz-${flag}`).addEventListener('change', guard(async () => {
      const s = await api('PATCH', '/v1/notification-settings', { buzz: { [flag]: $(`buzz-${flag}`).checked } });
      $('buzz-dailyDigest').checked = s.buzz.dailyDigest;
      $('buzz-activeThreads').checked = s.buzz.activeThreads;
      say('Notification settings saved.', true);
    }));
  }

  // Personal data.
  $('pd-view').addEventListener('click', guard(async () => {
    $('pd-output').textContent = JSON.stringify(await api('GET', '/v1/personal-data'), null, 2);
  }));
  $('pd-download').addEventListener('click', guard(async () => {
    const res = await api('GET', '/v1/personal-data/download', undefined, { response: true });
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '');
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name ? name[1] : 'personal-data.json';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }));

  // Sign in and out.
  $('signin-form').addEventListener('submit', guard(async () => {
    const s = await api('POST', '/v1/sessions', { email: $('signin-email').value.trim(), password: $('signin-password').value });
    token = s.token;
    sessionStorage.setItem('custodian.token', token);
    $('signin-password').value = '';
    say('Signed in.', true);
    await signedIn();
  }));
  $('signout').addEventListener('click', guard(async () => {
    await api('DELETE', '/v1/sessions/current').catch(() => undefined);
    signedOut();
    say('Signed out.', true);
  }));

  if (token) signedIn().catch(explain);
})();
