#!/usr/bin/env node
// End-to-end browser test of the admin page against a running system: Debian's chromium, driven by
// playwright-core (no browser download). Every check prints PASS/FAIL; the exit code is 1 if any failed.
//
// node admin-page.mjs --page http://gw/admin/ --gateway http://gw --segments http://seg --worker http://wrk \
//   --account shop-a --token <jwt for shop-a> --other-account shop-b --other-secret "Secret segment name" \
//   --key <emulator key> --refused-key <key Klaviyo refuses> --segment vip --members 3 \
//   [--refused-reason "Incorrect authentication credentials"] [--screenshots docs/screenshots] \
//   [--release-timeout 90] [--chromium /usr/bin/chromium]
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error('unexpected argument ' + a);
    const k = a.slice(2);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error('missing value for ' + a);
    out[k] = v;
    i++;
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const required = ['page', 'gateway', 'segments', 'worker', 'account', 'token', 'other-account', 'key', 'refused-key', 'segment', 'members'];
const missing = required.filter((k) => !args[k]);
if (missing.length) {
  console.error('missing arguments: ' + missing.map((k) => '--' + k).join(' '));
  process.exit(2);
}
const executablePath = args.chromium || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error('FAIL chromium not found at ' + executablePath + ' (apt-get install -y chromium, or run install.sh)');
  process.exit(3);
}
const shots = resolve(args.screenshots || 'docs/screenshots');
const releaseTimeoutMs = Number(args['release-timeout'] || 90) * 1000;
const refusedReason = args['refused-reason'] || 'Incorrect authentication credentials';
const members = Number(args.members);
mkdirSync(shots, { recursive: true });

const results = [];
function pass(name, info) { results.push({ name, ok: true }); console.log('PASS ' + name + (info ? ' — ' + info : '')); }
function fail(name, err) {
  results.push({ name, ok: false });
  // Playwright appends its whole call log to a timeout message: the first lines say what went wrong.
  const message = String(err && err.message ? err.message : err).split('\n').slice(0, 3).join(' | ');
  console.log('FAIL ' + name + ' — ' + message);
}
async function check(name, fn) {
  try { pass(name, await fn()); } catch (e) { fail(name, e); }
}
function assert(cond, message) { if (!cond) throw new Error(message); }

function pageUrl(params) {
  return args.page + '#' + new URLSearchParams(params).toString();
}
const base = { gateway: args.gateway, segments: args.segments, worker: args.worker };

async function until(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('timed out waiting for ' + what + (last ? ' (' + last.message + ')' : ''));
}

async function loaded(page, screen) {
  await page.locator('body[data-loaded="' + screen + '"]').waitFor({ timeout: 20000 });
}

async function openTab(page, screen) {
  await page.click('#tab-' + screen);
  await loaded(page, screen);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'admin-ui-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-breakpad', '--disable-crash-reporter'],
  viewport: { width: 1280, height: 900 },
  locale: 'en-GB',
  timezoneId: 'UTC',
});
const pageErrors = [];
context.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(e.message)));
context.on('dialog', (d) => d.accept());

try {
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => d.accept());

  // --- Klaviyo screen: a refused key shows Klaviyo's reason, a good key connects -------------------
  await check('page opens on the Klaviyo screen, not connected, token removed from the address bar', async () => {
    await page.goto(pageUrl({ account: args.account, token: args.token, ...base }));
    await loaded(page, 'klaviyo');
    const status = await page.getAttribute('#klaviyo-status', 'data-status');
    assert(status === 'NOT_CONNECTED', 'status is ' + status);
    assert(!page.url().includes(args.token), 'the token is still in the URL');
    assert(await page.isVisible('#consent-warning'), 'the consent warning is not shown');
    const warning = await page.textContent('#consent-warning');
    assert(/without any marketing consent/.test(warning) && /not automatically send emails/.test(warning), 'warning text: ' + warning);
  });

  await check('connect stays disabled until the consent warning is acknowledged', async () => {
    await page.fill('#private-key', args['refused-key']);
    assert(await page.isDisabled('#connect'), 'connect is enabled without the acknowledgement');
    await page.check('#consent-ack');
    assert(await page.isEnabled('#connect'), 'connect is still disabled');
  });

  await check('a refused key shows Klaviyo\'s reason and nothing is connected', async () => {
    await page.click('#connect');
    const result = page.locator('#connect-result.error');
    await result.waitFor({ timeout: 30000 });
    const text = await result.textContent();
    assert(text.includes('Klaviyo refused the key'), 'result: ' + text);
    assert(text.includes(refusedReason), 'Klaviyo\'s reason "' + refusedReason + '" missing from: ' + text);
    assert(await page.getAttribute('#klaviyo-status', 'data-status') === 'NOT_CONNECTED', 'status changed');
    await page.screenshot({ path: join(shots, 'klaviyo-refused.png'), fullPage: true });
    return text.trim();
  });

  await check('an emulator key connects: list "Nosto Customers", key shown by its last 4 only', async () => {
    await page.fill('#private-key', args.key);
    await page.click('#connect');
    await page.locator('#connect-result.ok').waitFor({ timeout: 30000 });
    await page.locator('#klaviyo-status[data-status="CONNECTED"]').waitFor({ timeout: 5000 });
    const list = await page.textContent('#klaviyo-list');
    assert(list.includes('Nosto Customers'), 'list: ' + list);
    const key = await page.textContent('#klaviyo-key');
    assert(key === '•••• ' + args.key.slice(-4), 'key shown as ' + key);
    const html = await page.content();
    assert(!html.includes(args.key), 'the full key appears in the page');
    assert(await page.isVisible('#disconnect'), 'no disconnect button');
    await page.screenshot({ path: join(shots, 'klaviyo.png'), fullPage: true });
  });

  // --- Segments screen: switch one on --------------------------------------------------------------
  const row = page.locator('tr[data-segment="' + args.segment + '"]');
  await check('segments list the segment with its members, sync off', async () => {
    await openTab(page, 'segments');
    await row.waitFor({ timeout: 10000 });
    const n = (await row.locator('[data-testid="members"]').textContent()).trim();
    assert(n === String(members), 'members shown ' + n + ', expected ' + members);
    assert(await row.getAttribute('data-sync') === 'false', 'already synced');
  });

  await check('switching sync on records the first-enabled time and a next release', async () => {
    await row.locator('[data-testid="sync-switch"]').click();
    await page.locator('tr[data-segment="' + args.segment + '"][data-sync="true"]').waitFor({ timeout: 15000 });
    const first = (await page.locator('tr[data-segment="' + args.segment + '"] [data-testid="first-enabled"]').textContent()).trim();
    assert(first !== '–', 'no first-enabled time');
    return 'first enabled ' + first;
  });

  // --- Sync history: the release of the first-enable window ------------------------------------------
  await check('the release appears in the sync history: every member added, none failed', async () => {
    await openTab(page, 'history');
    // A window is released per partition of the account, so one release can be several rows: sum them.
    const sum = async (col) => (await page.locator('#history-body [data-testid="' + col + '"]').allTextContents())
      .reduce((n, t) => n + Number(t.trim()), 0);
    let added = 0;
    try {
      added = await until(async () => {
        await page.click('#refresh');
        const kinds = await page.locator('#history-body tr').evaluateAll((rows) => rows.map((r) => r.dataset.kind));
        const a = await sum('added');
        return kinds.includes('FIRST_ENABLE') && a >= members ? a : null;
      }, releaseTimeoutMs, 'FIRST_ENABLE history rows adding ' + members);
    } finally {
      await page.screenshot({ path: join(shots, 'history.png'), fullPage: true });
    }
    const failed = await sum('failed');
    assert(failed === 0, 'failed rows: ' + failed);
    return added + ' added in ' + await page.locator('#history-body tr').count() + ' row(s)';
  });

  await check('segments show the last release after it happened', async () => {
    await openTab(page, 'segments');
    const last = await until(async () => {
      await page.click('#refresh');
      const t = (await page.locator('tr[data-segment="' + args.segment + '"] [data-testid="last-release"]').textContent()).trim();
      return t !== 'not yet' && t !== '–' ? t : null;
    }, 20000, 'a last release time');
    await page.screenshot({ path: join(shots, 'segments.png'), fullPage: true });
    return last;
  });

  await check('phone-sized screen shows segments as cards without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('#refresh');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert(overflow <= 0, 'page is ' + overflow + 'px wider than the screen');
    await page.screenshot({ path: join(shots, 'segments-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await check('settings screen keeps the token masked', async () => {
    await openTab(page, 'settings');
    assert(await page.getAttribute('#set-token', 'type') === 'password', 'token field is not masked');
    await page.screenshot({ path: join(shots, 'settings.png'), fullPage: true });
  });

  // --- Another account's data: 403 everywhere, no data ------------------------------------------------
  const other = await context.newPage();
  other.on('dialog', (d) => d.accept());
  await check('a token for one account cannot see another account: 403 on every screen, no data', async () => {
    await other.goto(pageUrl({ account: args['other-account'], token: args.token, ...base }));
    await loaded(other, 'klaviyo');
    const k = await other.textContent('#klaviyo-problem');
    assert(k.includes('HTTP 403'), 'Klaviyo screen: ' + k);
    assert(await other.isHidden('#klaviyo-status') && await other.isHidden('#connect-form'), 'Klaviyo data or form shown');
    await openTab(other, 'segments');
    const s = await other.textContent('#segments-problem');
    assert(s.includes('HTTP 403'), 'Segments screen: ' + s);
    assert(await other.locator('#segments-body tr').count() === 0, 'segment rows shown');
    await other.screenshot({ path: join(shots, 'forbidden.png'), fullPage: true });
    await openTab(other, 'history');
    const h = await other.textContent('#history-problem');
    assert(h.includes('HTTP 403'), 'History screen: ' + h);
    assert(await other.locator('#history-body tr').count() === 0, 'history rows shown');
    if (args['other-secret']) {
      const text = await other.evaluate(() => document.body.innerText);
      assert(!text.includes(args['other-secret']), 'the other account\'s data appears');
    }
  });

  await check('a bad token is explained as 401', async () => {
    await other.goto('about:blank');
    await other.goto(pageUrl({ account: args.account, token: 'not-a-valid-token', ...base }));
    await loaded(other, 'klaviyo');
    const k = await other.textContent('#klaviyo-problem');
    assert(k.includes('HTTP 401'), 'Klaviyo screen: ' + k);
  });

  await check('no JavaScript errors on the page', async () => {
    assert(pageErrors.length === 0, pageErrors.join('; '));
  });
} catch (e) {
  fail('unexpected error', e);
} finally {
  await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok);
console.log('\n' + (results.length - failed.length) + '/' + results.length + ' checks passed; screenshots in ' + shots);
if (failed.length) {
  console.log('FAILED: ' + failed.map((r) => r.name).join(' | '));
}
process.exit(failed.length || results.length === 0 ? 1 : 0);
