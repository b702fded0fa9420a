// Nosto → Klaviyo admin page. Plain JS, no framework, no build step: it only calls the three services'
// public APIs with the merchant's (or an SRE's) bearer token.
'use strict';

(function () {
  const STORE = 'nosto-klaviyo-admin';
  const REFRESH_MS = 5000;

  // ---- configuration: fragment parameters → sessionStorage --------------------------------------
  // The fragment (#account=…&token=…&screen=…) never reaches a server or a log; it is copied to this tab's
  // session storage and removed from the address bar (the token included). Where the token is sent is never
  // taken from a link or from the browser: only from the gateway's config.json (see loadServices).
  const SERVICE_KEYS = ['gateway', 'segments', 'worker'];

  function loadConfig() {
    let saved = {};
    try { saved = JSON.parse(sessionStorage.getItem(STORE) || '{}'); } catch (e) { saved = {}; }
    const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
    let screenFromHash = null;
    for (const k of ['account', 'token']) {
      if (hash.has(k)) saved[k] = hash.get(k).trim();
    }
    if (hash.has('screen')) screenFromHash = hash.get('screen');
    const ignored = SERVICE_KEYS.filter((k) => hash.has(k));
    if ([...hash.keys()].length) {
      history.replaceState(null, '', location.pathname + location.search);
    }
    const kept = { account: saved.account || '', token: saved.token || '' };
    sessionStorage.setItem(STORE, JSON.stringify(kept));
    const origin = location.origin;
    return Object.assign(kept, { gateway: origin, segments: origin, worker: origin, screen: screenFromHash, ignored });
  }

  function strip(url) { return url.replace(/\/+$/, ''); }

  // The services' base URLs as this system is configured (admin-ui.* on the gateway, which also lists them in
  // this page's Content-Security-Policy connect-src). Empty or unreadable: this page's own origin, right behind
  // an ingress that routes /api/accounts/*/segments and */windows by path. Only http(s) origins are taken.
  async function loadServices() {
    try {
      const res = await fetch('config.json', { cache: 'no-store', credentials: 'omit' });
      const conf = res.ok ? await res.json() : {};
      for (const [key, field] of [['segments', 'segmentServiceUrl'], ['worker', 'syncWorkerUrl']]) {
        const url = typeof conf[field] === 'string' ? conf[field].trim() : '';
        if (/^https?:\/\/[^/?#\s]+\/?$/.test(url)) cfg[key] = strip(url);
      }
    } catch (e) {
      // Same origin for every service.
    }
  }

  const cfg = loadConfig();
  const $ = (id) => document.getElementById(id);
  const HISTORY_PAGE = 25;
  const state = { screen: null, connection: null, segments: null, windows: null, runs: null, busy: false,
    historyLimit: HISTORY_PAGE, historySearch: '', openErrors: new Set(), preview: null };

  // ---- HTTP ----------------------------------------------------------------------------------------
  const SERVICES = {
    gateway: 'klaviyo-gateway',
    segments: 'segment-service',
    worker: 'sync-worker',
  };

  async function api(service, method, path, body) {
    const url = cfg[service] + '/api/accounts/' + encodeURIComponent(cfg.account) + path;
    const headers = { Accept: 'application/json' };
    if (cfg.token) headers.Authorization = 'Bearer ' + cfg.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      return { ok: false, status: 0, service, url, body: null };
    }
    let parsed = null;
    const text = await res.text();
    if (text) {
      try { parsed = JSON.parse(text); } catch (e) { parsed = { detail: text.slice(0, 300) }; }
    }
    return { ok: res.ok, status: res.status, service, url, body: parsed, retryAfter: res.headers.get('Retry-After') };
  }

  // Turns a failed answer into one plain sentence (no data is shown alongside it).
  function explain(r) {
    const who = SERVICES[r.service];
    const detail = r.body && (r.body.detail || r.body.title) ? ' ' + (r.body.detail || r.body.title) : '';
    switch (r.status) {
      case 0:
        return 'Could not reach ' + who + ' at ' + cfg[r.service] + '. Check that it is running, that it allows this '
          + 'page\'s origin (' + location.origin + ') for cross-origin calls (CORS), and that the gateway\'s admin-ui '
          + 'settings name it.';
      case 401:
        return 'Not signed in (HTTP 401): ' + who + ' did not accept the bearer token. It is missing, expired or not '
          + 'issued for this system. Paste a fresh token under Settings.';
      case 403:
        return 'Access denied (HTTP 403):' + (detail || ' this token may not act for account "' + cfg.account + '".')
          + ' No data is shown; ask for a token that includes this account.';
      case 404:
        return 'Not found (HTTP 404) at ' + who + '.' + detail;
      default:
        return (r.body && r.body.title ? r.body.title : 'Request failed') + ' (HTTP ' + r.status + ', ' + who + ').' + detail;
    }
  }

  // An alert region is rewritten only when its text changes: a screen reader announces a problem once, not at every
  // refresh while it lasts.
  function showProblem(id, messages) {
    const el = $(id);
    const list = (messages || []).filter(Boolean);
    const text = list.join('\n');
    if (el.dataset.text === text) return;
    el.dataset.text = text;
    el.hidden = list.length === 0;
    el.replaceChildren(...list.map((m) => { const p = document.createElement('p'); p.textContent = m; return p; }));
  }

  // The periodic refresh re-renders rows: the control that had the keyboard focus gets it back afterwards.
  function focusKey() {
    const a = document.activeElement;
    if (!a || a === document.body) return null;
    const row = a.closest('tr');
    const key = row && (row.dataset.segment || row.dataset.window);
    const control = a.dataset.testid || a.tagName.toLowerCase();
    return key ? { key, control } : null;
  }

  function restoreFocus(saved, body) {
    if (!saved) return;
    for (const row of body.querySelectorAll('tr')) {
      if ((row.dataset.segment || row.dataset.window) !== saved.key) continue;
      const target = row.querySelector('[data-testid="' + saved.control + '"]') || row.querySelector(saved.control);
      if (target) target.focus();
    }
  }

  // ---- formatting --------------------------------------------------------------------------------
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  function when(iso) {
    if (!iso) return '–';
    const t = new Date(iso);
    const secs = Math.round((t.getTime() - Date.now()) / 1000);
    const abs = Math.abs(secs);
    let rel;
    if (abs < 60) rel = rtf.format(secs, 'second');
    else if (abs < 3600) rel = rtf.format(Math.round(secs / 60), 'minute');
    else if (abs < 86400) rel = rtf.format(Math.round(secs / 3600), 'hour');
    else rel = rtf.format(Math.round(secs / 86400), 'day');
    return t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) + ' (' + rel + ')';
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function cell(label, content, attrs) {
    return el('td', Object.assign({ 'data-label': label }, attrs || {}), content);
  }

  // ---- Klaviyo screen ----------------------------------------------------------------------------
  async function loadKlaviyo() {
    const r = await api('gateway', 'GET', '/klaviyo');
    if (!r.ok) {
      state.connection = null;
      showProblem('klaviyo-problem', [explain(r)]);
      $('klaviyo-status').hidden = true;
      $('connect-form').hidden = r.status === 401 || r.status === 403;
      return;
    }
    showProblem('klaviyo-problem', []);
    state.connection = r.body;
    // The newest audit among the recent history entries (audits are recorded beside the windows).
    const h = await api('gateway', 'GET', '/sync-runs?limit=20');
    state.lastAudit = h.ok ? h.body.find(isAudit) || null : null;
    renderKlaviyo();
  }

  // "Check the list in Klaviyo": the merchant's dry-run audit. It reads the whole list and writes nothing; a few an
  // hour per account. What it finds is repaired by support (an audit with repair), or by the next release for a member.
  async function auditCheck() {
    const out = $('audit-check-result');
    $('audit-check').disabled = true;
    out.hidden = false;
    out.className = 'result pending';
    out.textContent = 'Reading the list in Klaviyo… (a large list takes minutes: Klaviyo lets it be read 100 profiles at a time)';
    const r = await api('gateway', 'POST', '/audit/check');
    $('audit-check').disabled = false;
    if (r.ok) {
      const found = Object.entries(r.body.drift || {}).filter(([, n]) => n > 0);
      out.className = found.length ? 'result error' : 'result ok';
      out.textContent = found.length
        ? 'Klaviyo differs from what was synchronized: ' + driftText(r.body.drift) + '. A repair would make '
          + r.body.minimumWrites + ' write call' + (r.body.minimumWrites === 1 ? '' : 's') + '; ask support to repair it.'
        : 'The list in Klaviyo matches what was synchronized.';
      state.lastAudit = { windowKind: 'AUDIT', drift: r.body.drift, finishedAt: r.body.finishedAt };
      renderKlaviyo();
    } else if (r.status === 429) {
      const mins = Math.max(1, Math.ceil(Number(r.retryAfter || 60) / 60));
      out.className = 'result error';
      out.textContent = 'The list can be checked a few times an hour; try again in ' + mins + ' minute' + (mins === 1 ? '' : 's') + '.';
    } else {
      out.className = 'result error';
      out.textContent = explain(r);
    }
  }

  function renderKlaviyo() {
    const c = state.connection;
    $('connect-form').hidden = false;
    $('klaviyo-status').hidden = false;
    const badge = $('klaviyo-badge');
    badge.className = 'badge ' + c.status.toLowerCase();
    badge.textContent = { CONNECTED: 'Connected', DISCONNECTED: 'Key rejected', NOT_CONNECTED: 'Not connected' }[c.status] || c.status;
    $('klaviyo-status').dataset.status = c.status;
    $('klaviyo-status-text').textContent = c.status === 'CONNECTED'
      ? 'Segments you synchronize are sent to this Klaviyo list.'
      : c.status === 'DISCONNECTED'
        ? 'Klaviyo stopped accepting the stored key' + (c.statusReason ? ': ' + c.statusReason : '') + '. Changes wait until you connect a valid key.'
        : 'No Klaviyo key yet. Changes of synchronized segments wait until you connect.';
    $('klaviyo-list').textContent = c.listName ? c.listName + (c.listId ? ' (id ' + c.listId + ')' : '') : '–';
    $('klaviyo-key').textContent = c.keyLast4 ? '•••• ' + c.keyLast4 : '–';
    $('klaviyo-connected-at').textContent = when(c.connectedAt);
    $('klaviyo-last-sync').textContent = when(c.lastSyncAt);
    $('klaviyo-parked').textContent = String(c.parkedBatches ?? 0);
    $('disconnect').hidden = c.status === 'NOT_CONNECTED';
    $('audit-check').hidden = c.status !== 'CONNECTED';
    const a = state.lastAudit;
    $('klaviyo-last-audit').textContent = a ? when(a.finishedAt || a.startedAt) + ' · ' + driftText(a.drift) : 'never';
    $('connect-title').textContent = c.status === 'CONNECTED' ? 'Replace the key' : 'Connect your Klaviyo account';
  }

  function updateConnectEnabled() {
    $('connect').disabled = !($('consent-ack').checked && $('private-key').value.trim().length > 0);
  }

  async function connect(ev) {
    ev.preventDefault();
    const key = $('private-key').value.trim();
    if (!key || !$('consent-ack').checked) return;
    const out = $('connect-result');
    out.hidden = false;
    out.className = 'result pending';
    out.textContent = 'Checking the key with Klaviyo…';
    $('connect').disabled = true;
    const r = await api('gateway', 'PUT', '/klaviyo', { privateApiKey: key });
    if (r.ok) {
      $('private-key').value = '';
      out.className = 'result ok';
      out.textContent = 'Klaviyo accepted the key. Contacts go to the list "' + r.body.listName + '".';
      state.connection = r.body;
      renderKlaviyo();
    } else {
      out.className = 'result error';
      out.dataset.status = String(r.status);
      out.textContent = r.status === 422
        ? 'Klaviyo refused the key. ' + (r.body && r.body.detail ? r.body.detail : '')
        : explain(r);
    }
    updateConnectEnabled();
  }

  async function disconnect() {
    if (!window.confirm('Disconnect Klaviyo? Changes will wait until a key is connected again; nothing is removed from Klaviyo.')) return;
    const r = await api('gateway', 'DELETE', '/klaviyo');
    const out = $('connect-result');
    out.hidden = false;
    if (r.ok) {
      out.className = 'result ok';
      out.textContent = 'Disconnected. The key was deleted from this system.';
      await loadKlaviyo();
    } else {
      out.className = 'result error';
      out.textContent = explain(r);
    }
  }

  // ---- Segments screen -----------------------------------------------------------------------------
  async function loadSegments() {
    const [s, w, h] = await Promise.all([
      api('segments', 'GET', '/segments'),
      api('worker', 'GET', '/windows'),
      api('gateway', 'GET', '/sync-runs?limit=1'),
    ]);
    const problems = [];
    if (!s.ok) {
      problems.push(explain(s));
      state.segments = null;
    } else {
      state.segments = s.body;
    }
    // A forbidden account shows nothing at all, whichever service said so first.
    if (s.status === 403 || s.status === 401) {
      state.windows = null;
    } else {
      if (!w.ok) problems.push('Release schedule unavailable: ' + explain(w));
      if (!h.ok) problems.push('Last release unavailable: ' + explain(h));
      state.windows = w.ok ? w.body : null;
      state.lastRun = h.ok ? h.body.find((r) => !isAudit(r)) || null : null;
    }
    showProblem('segments-problem', problems);
    renderSegments();
  }

  // The earliest window with contacts waiting; with none waiting, the next regular release (always known once the
  // account has been seen: the regular windows run on a fixed 12-hour grid).
  function nextRelease(windows) {
    if (!windows) return null;
    const candidates = [];
    for (const [kind, w] of [['first-enable window', windows.firstEnable], ['regular window', windows.regular]]) {
      if (w && w.nextReleaseAt && w.pendingContacts > 0) candidates.push({ at: w.nextReleaseAt, kind, pending: w.pendingContacts });
    }
    candidates.sort((a, b) => a.at.localeCompare(b.at));
    if (candidates.length) return candidates[0];
    const r = windows.regular;
    return r && r.nextReleaseAt ? { at: r.nextReleaseAt, kind: 'regular window', pending: 0 } : null;
  }

  function nextText(n) {
    if (!n) return 'with the first change: releases then follow every 12 hours';
    return when(n.at) + ' · ' + n.kind + ', ' + (n.pending === 0 ? 'nothing waiting yet'
      : n.pending + ' contact' + (n.pending === 1 ? '' : 's') + ' waiting');
  }

  // "Sync now": the waiting changes go out at once instead of at the window's end, a few times an hour.
  async function syncNow() {
    const out = $('sync-now-result');
    $('sync-now').disabled = true;
    const r = await api('worker', 'POST', '/windows/sync-now');
    $('sync-now').disabled = false;
    out.hidden = false;
    if (r.ok) {
      out.className = 'result ok';
      out.textContent = 'Release started: the waiting changes are on their way to Klaviyo.';
      await loadSegments();
    } else if (r.status === 429) {
      const mins = Math.max(1, Math.ceil(Number(r.retryAfter || 60) / 60));
      out.className = 'result error';
      out.textContent = '"Sync now" can be used a few times an hour; try again in ' + mins + ' minute' + (mins === 1 ? '' : 's')
        + '. Changes still go out with the next release.';
    } else {
      out.className = 'result error';
      out.textContent = explain(r);
    }
  }

  function renderSegments() {
    const list = state.segments;
    const body = $('segments-body');
    if (!list) {
      body.replaceChildren();
      $('segments-table').hidden = true;
      $('segments-empty').hidden = true;
      $('schedule').hidden = true;
      return;
    }
    const next = nextRelease(state.windows);
    const last = state.lastRun;
    const lastAt = last ? (last.finishedAt || last.windowEnd) : null;
    $('schedule').hidden = false;
    $('last-release').textContent = last ? when(lastAt) + ' · ' + (last.windowKind === 'FIRST_ENABLE' ? 'first-enable window' : 'regular window') : 'none yet';
    $('next-release').textContent = state.windows ? nextText(next) : 'unknown';
    $('segments-empty').hidden = list.length > 0;
    $('segments-table').hidden = list.length === 0;
    const focused = focusKey();
    body.replaceChildren(...list.map((s) => {
      const sw = el('input', { type: 'checkbox', role: 'switch', class: 'switch', 'aria-label': 'Synchronize ' + s.name,
        'data-testid': 'sync-switch' });
      sw.checked = s.syncEnabled;
      sw.addEventListener('change', () => toggleSync(s, sw));
      const releasedSince = lastAt && s.firstEnabledAt && lastAt >= s.firstEnabledAt;
      return el('tr', { 'data-segment': s.segmentId, 'data-sync': String(s.syncEnabled) },
        cell('Segment', el('span', {}, el('strong', { text: s.name }), el('br'), el('small', { text: s.segmentId }))),
        cell('Members', String(s.memberCount), { class: 'num', 'data-testid': 'members' }),
        cell('Synchronize', el('label', { class: 'switch-label' }, sw,
          el('span', { text: s.fanningOut ? (s.syncEnabled ? 'On (switching…)' : 'Off (switching…)') : s.syncEnabled ? 'On' : 'Off' }))),
        cell('First enabled', when(s.firstEnabledAt), { 'data-testid': 'first-enabled' }),
        cell('Last release', s.syncEnabled || s.firstEnabledAt ? (releasedSince ? when(lastAt) : 'not yet') : '–', { 'data-testid': 'last-release' }),
        cell('Next release', s.syncEnabled ? (state.windows ? nextText(next) : 'unknown') : 'not synchronized', { 'data-testid': 'next-release' }));
    }));
    restoreFocus(focused, body);
  }

  // Switching on starts with a preview of what it does in Klaviyo; the switch happens when the merchant confirms.
  async function toggleSync(segment, input) {
    if (!input.checked) return switchSync(segment, input, false);
    input.checked = false;
    input.disabled = true;
    const r = await api('segments', 'GET', '/segments/' + encodeURIComponent(segment.segmentId) + '/sync/preview?enabled=true');
    input.disabled = false;
    if (!r.ok) {
      showProblem('segments-problem', ['Could not preview "' + segment.name + '": ' + explain(r)]);
      return;
    }
    state.preview = { segment, input };
    $('sync-preview-name').textContent = '"' + segment.name + '"';
    $('sync-preview-text').textContent = previewText(r.body);
    $('sync-preview').hidden = false;
    $('sync-preview-confirm').focus();
  }

  function previewText(p) {
    const n = (k, one, many) => k + ' ' + (k === 1 ? one : many);
    return 'This adds ' + n(p.addedToList, 'contact', 'contacts') + ' to the Klaviyo list "Nosto Customers" and changes the '
      + 'segment properties of ' + n(p.propertiesChanged, 'profile', 'profiles') + ' already in it ('
      + n(p.members, 'member', 'members') + ' in all). '
      + (p.firstEnable ? 'As a first enable, it reaches Klaviyo within 1 hour.' : 'It reaches Klaviyo with the next regular release.');
  }

  async function confirmPreview(confirmed) {
    const p = state.preview;
    state.preview = null;
    $('sync-preview').hidden = true;
    if (!p) return;
    const row = document.querySelector('tr[data-segment="' + CSS.escape(p.segment.segmentId) + '"] [data-testid="sync-switch"]');
    if (!confirmed) {
      if (row) row.focus();
      return;
    }
    await switchSync(p.segment, row || p.input, true);
  }

  async function switchSync(segment, input, enable) {
    input.checked = enable;
    if (enable && !segment.firstEnabledAt && state.connection && state.connection.status !== 'CONNECTED') {
      showProblem('segments-problem', ['Klaviyo is not connected yet: the members wait until you connect a key on the Klaviyo tab.']);
    }
    input.disabled = true;
    const r = await api('segments', 'PUT', '/segments/' + encodeURIComponent(segment.segmentId) + '/sync', { enabled: enable });
    input.disabled = false;
    if (!r.ok) {
      input.checked = !enable;
      showProblem('segments-problem', ['Could not switch "' + segment.name + '": ' + explain(r)]);
      return;
    }
    await loadSegments();
  }

  // ---- Sync history screen ---------------------------------------------------------------------------
  async function loadHistory() {
    const r = await api('gateway', 'GET', '/sync-runs?limit=' + state.historyLimit);
    if (!r.ok) {
      state.runs = null;
      showProblem('history-problem', [explain(r)]);
    } else {
      state.runs = r.body;
      showProblem('history-problem', []);
    }
    renderHistory();
  }

  function renderHistory() {
    const runs = state.runs;
    const body = $('history-body');
    if (!runs) {
      body.replaceChildren();
      $('history-table').hidden = true;
      $('history-empty').hidden = true;
      return;
    }
    $('history-empty').hidden = runs.length > 0;
    $('history-table').hidden = runs.length === 0;
    $('history-more').hidden = runs.length < state.historyLimit || state.historyLimit >= 500;
    $('history-csv').hidden = !runs.some((r) => (r.errors || []).length);
    const search = state.historySearch.toLowerCase();
    const shown = search ? runs.filter((r) => (r.errors || []).some((e) => (e.email || '').toLowerCase().includes(search))) : runs;
    $('history-count').textContent = search ? shown.length + ' of ' + runs.length + ' releases have a row error for "'
      + state.historySearch + '"' : runs.length + ' most recent release' + (runs.length === 1 ? '' : 's');
    const focused = focusKey();
    body.replaceChildren(...shown.map((r) => {
      const errors = (r.errors || []).filter((e) => !search || (e.email || '').toLowerCase().includes(search));
      const details = el('details', { open: state.openErrors.has(r.windowId) || (errors.length <= 5 && !state.openErrors.has('closed:' + r.windowId)),
        'data-testid': 'error-details' }, el('summary', { text: errors.length + ' row' + (errors.length === 1 ? '' : 's') }),
      el('ul', { class: 'errors' }, ...errors.map((e) => el('li', {},
        el('strong', { text: e.email || '(batch)' }), ' — ' + e.outcome + (e.detail ? ': ' + e.detail : '')))));
      details.addEventListener('toggle', () => {
        state.openErrors.delete(details.open ? 'closed:' + r.windowId : r.windowId);
        state.openErrors.add(details.open ? r.windowId : 'closed:' + r.windowId);
      });
      const errCell = errors.length === 0 ? document.createTextNode('none') : details;
      const count = (label, n, cls) => cell(label, String(n), { class: 'num' + (n > 0 && cls ? ' ' + cls : ''), 'data-testid': label.toLowerCase() });
      return el('tr', { 'data-window': r.windowId, 'data-kind': r.windowKind },
        cell('Window', el('span', {}, el('strong', { text: kindLabel(r) }),
          el('br'), el('small', { text: isAudit(r) ? driftText(r.drift) : 'ended ' + when(r.windowEnd) }))),
        cell('Finished', r.finishedAt ? when(r.finishedAt) : 'in progress'),
        count('Added', r.added), count('Moved', r.moved), count('Removed', r.removed), count('Deleted', r.deleted),
        count('Skipped', r.skipped, 'warn'), count('Failed', r.failed, 'bad'),
        cell('Errors', errCell, { 'data-testid': 'errors' }));
    }));
    restoreFocus(focused, body);
  }

  // Audits (a dry run) and repairs are history entries beside the windows; their drift counts say what they found.
  function isAudit(r) {
    return r.windowKind === 'AUDIT' || r.windowKind === 'REPAIR';
  }

  function kindLabel(r) {
    return { FIRST_ENABLE: 'First enable', AUDIT: 'Audit (dry run)', REPAIR: 'Audit and repair' }[r.windowKind] || 'Regular';
  }

  function driftText(drift) {
    const found = Object.entries(drift || {}).filter(([, n]) => n > 0);
    return found.length === 0 ? 'no drift' : found.map(([c, n]) => c.toLowerCase().replace('_', ' ') + ' ' + n).join(', ');
  }

  function csvField(v) {
    const t = v === null || v === undefined ? '' : String(v);
    // Quoted, and a leading = + - @ defused so that a spreadsheet never runs a cell as a formula.
    return '"' + (/^[=+\-@]/.test(t) ? "'" + t : t).replace(/"/g, '""') + '"';
  }

  // The loaded releases' row errors as a CSV file, built in the page (nothing more is fetched).
  function downloadCsv() {
    const lines = [['window', 'window_kind', 'window_end', 'email', 'outcome', 'detail', 'at'].join(',')];
    for (const r of state.runs || []) {
      for (const e of r.errors || []) {
        lines.push([r.windowId, r.windowKind, r.windowEnd, e.email, e.outcome, e.detail, e.at].map(csvField).join(','));
      }
    }
    const a = el('a', { href: URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' })),
      download: 'sync-row-errors-' + cfg.account + '.csv' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  // ---- Settings screen ----------------------------------------------------------------------------
  function fillSettings() {
    $('set-account').value = cfg.account;
    $('set-token').value = cfg.token;
    $('set-gateway').textContent = cfg.gateway;
    $('set-segments').textContent = cfg.segments;
    $('set-worker').textContent = cfg.worker;
  }

  function saveSettings(ev) {
    ev.preventDefault();
    const v = (id) => $(id).value.trim();
    sessionStorage.setItem(STORE, JSON.stringify({ account: v('set-account'), token: v('set-token') }));
    location.reload();
  }

  // ---- navigation and refresh ----------------------------------------------------------------------
  const LOADERS = { klaviyo: loadKlaviyo, segments: loadSegments, history: loadHistory, settings: async () => {} };

  async function refresh() {
    if (state.busy || !cfg.account || !cfg.token) return;
    state.busy = true;
    try {
      await LOADERS[state.screen]();
      $('refreshed').textContent = 'Updated ' + new Date().toLocaleTimeString();
      document.body.dataset.loaded = state.screen;
    } finally {
      state.busy = false;
    }
  }

  function show(screen) {
    state.screen = screen;
    for (const s of document.querySelectorAll('.screen')) s.hidden = s.dataset.screen !== screen;
    for (const t of document.querySelectorAll('.tabs button')) t.setAttribute('aria-selected', String(t.dataset.screen === screen));
    delete document.body.dataset.loaded;
    refresh();
  }

  async function init() {
    await loadServices();
    $('account-label').textContent = cfg.account ? 'Account: ' + cfg.account : 'No account selected';
    if (cfg.ignored.length) {
      $('link-warning').hidden = false;
      $('link-warning').textContent = 'The link named service addresses (' + cfg.ignored.join(', ') + '); they were '
        + 'ignored. This page sends your token only to the addresses this system is configured with.';
    }
    fillSettings();
    for (const t of document.querySelectorAll('.tabs button')) t.addEventListener('click', () => show(t.dataset.screen));
    $('consent-ack').addEventListener('change', updateConnectEnabled);
    $('private-key').addEventListener('input', updateConnectEnabled);
    $('connect-form').addEventListener('submit', connect);
    $('disconnect').addEventListener('click', disconnect);
    $('settings-form').addEventListener('submit', saveSettings);
    $('refresh').addEventListener('click', refresh);
    $('sync-now').addEventListener('click', syncNow);
    $('audit-check').addEventListener('click', auditCheck);
    $('sync-preview-confirm').addEventListener('click', () => confirmPreview(true));
    $('sync-preview-cancel').addEventListener('click', () => confirmPreview(false));
    $('history-more').addEventListener('click', () => { state.historyLimit = Math.min(500, state.historyLimit + HISTORY_PAGE); refresh(); });
    $('history-search').addEventListener('input', (ev) => { state.historySearch = ev.target.value.trim(); renderHistory(); });
    $('history-csv').addEventListener('click', downloadCsv);
    const start = !cfg.account || !cfg.token ? 'settings' : (LOADERS[cfg.screen] ? cfg.screen : 'klaviyo');
    show(start);
    setInterval(() => { if (!document.hidden && state.screen !== 'settings') refresh(); }, REFRESH_MS);
  }

  init();
}());
