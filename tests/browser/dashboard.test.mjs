// The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core.
// Starts the gateway in front of two mock providers, with a day of earlier usage in its audit
// database, sends traffic (same dialect and translated, streamed, refused, a 429 from the
// upstream, overflow to the local tier), opens /ui with an admin key, and checks that the page
// logs no error, its charts fill, its figures equal /metrics and `spillway audit`, and that the
// history view draws the day. Screenshots go to $SPILLWAY_TEST_OUTPUT (ctest: build/test-output/
// browser), else build/test-output/browser in the source tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { parsePrometheus, sample } from '../integration/lib/audit.mjs';
import {
  ANTHROPIC_VERSION, runCli, sha256hex, startGateway, startMock, tempDir, upstreamFor,
} from '../integration/lib/gateway.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.SPILLWAY_TEST_OUTPUT || join(here, '..', '..', 'build', 'test-output', 'browser');
const CHROMIUM = process.env.SPILLWAY_CHROMIUM || '/usr/bin/chromium';
const ADMIN_KEY = 'sk-browser-ops';
const AGENT_KEY = 'sk-browser-agent';
const WAIT_MS = 20_000;  // longest wait for the page to show a figure; a bound, not a measurement

async function send(gw, { dialect, model, stream = false, key = AGENT_KEY, agent, headers = {} }) {
  const anthropic = dialect === 'anthropic';
  const body = { model, stream, messages: [{ role: 'user', content: `Tell me about ${model}, briefly.` }] };
  if (anthropic) body.max_tokens = 64;
  if (!anthropic && stream) body.stream_options = { include_usage: true };
  const res = await fetch(`${gw.url}${anthropic ? '/v1/messages' : '/v1/chat/completions'}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-spillway-agent': agent,
      ...(anthropic ? { 'anthropic-version': ANTHROPIC_VERSION } : {}), ...headers,
    },
    body: JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

// A day of earlier requests, one every 19 s from 23 h 50 min ago to about an hour ago, written
// the way the gateway writes them (through the `requests` view).
function seedDay(db, nowMs) {
  const start = nowMs - (23 * 60 + 50) * 60_000;
  const sql = `.timeout 5000
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4319)
INSERT INTO requests (start_ms, end_ms, ttft_ms, key_name, agent, session, dialect, endpoint, model, route,
  upstream, upstream_model, attempts, queued_ms, status, stream, overflowed, refused_by, input_tokens,
  output_tokens, cache_read_tokens, cache_write_tokens, usage_estimated, cost_usd)
SELECT ${start} + i * 19000, ${start} + i * 19000 + 900, 250, 'agent', 'seed-' || (i % 4), 'seed-session-' || (i / 200),
  'anthropic', 'messages', 'claude-sonnet-4-5', 'claude-*', CASE WHEN i % 3 = 0 THEN 'local' ELSE 'premium' END,
  'claude-sonnet-4-5', 1, 0, 200, 0, 0, '', 800 + (i % 50) * 40, 100 + (i % 7) * 30, 0, 0, 0, 0.005 FROM n;
`;
  execFileSync('sqlite3', [db], { input: sql });
}

async function auditJson(gw, args) {
  const r = await runCli(['audit', '--config', gw.configPath, '--format', 'json', ...args], { cwd: gw.dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('the dashboard shows the gateway\'s figures in a browser', async (t) => {
  mkdirSync(OUT, { recursive: true });
  const premium = await startMock(t, 'anthropic', ['--reply', 'The premium upstream answers this one.']);
  const local = await startMock(t, 'openai', ['--reply', 'The local model answers, a little more slowly but surely.']);
  const dir = tempDir(t);
  const db = join(dir, 'audit.db');
  const gw = await startGateway(t, {
    auth: [{ sha256: sha256hex(AGENT_KEY), name: 'agent' }, { sha256: sha256hex(ADMIN_KEY), name: 'ops', admin: true }],
    audit: { sqlite: db },
    upstreams: [
      upstreamFor('premium', premium, 'anthropic', { limits: { rpm: 4, itpm: 20000, otpm: 4000 } }),
      upstreamFor('local', local, 'openai', { limits: { rpm: 600, tpm: 200000 } }),
    ],
    routes: [
      { match: { model: 'claude-opus-*' }, to: ['premium'] },
      { match: { model: 'claude-*' }, to: ['premium'], overflow: [{ upstream: 'local', model: 'gpt-4o' }], max_wait: '1s' },
      { match: { model: '*' }, to: ['local'] },
    ],
  }, { dir });
  const started = new Date(Date.now() - 1000).toISOString();
  seedDay(db, Date.now());

  // The upstream answers one request 429 (the mock does as told) on a route with nowhere else to
  // go; premium cools for a second, and past rpm 4 the rest overflow to the local tier.
  assert.equal(await send(gw, { dialect: 'anthropic', model: 'claude-opus-4-1', agent: 'planner', headers: { 'x-mock-status': '429' } }), 429);
  let sent = 1;
  const agents = ['planner', 'coder', 'reviewer'];
  for (let i = 0; i < 8; i++) {
    assert.equal(await send(gw, { dialect: 'anthropic', model: 'claude-sonnet-4-5', stream: i % 2 === 0, agent: agents[i % 3] }), 200);
    sent++;
  }
  for (let i = 0; i < 6; i++) {
    assert.equal(await send(gw, { dialect: i % 2 ? 'openai' : 'anthropic', model: 'gpt-4o', stream: i % 3 === 0, agent: agents[i % 3] }), 200);
    sent++;
  }
  assert.equal(await send(gw, { dialect: 'openai', model: 'gpt-4o', key: 'sk-not-a-key', agent: 'intruder' }), 401);
  sent++;

  // /metrics once every record is written, so the page, /metrics and the audit see the same.
  let families;
  for (let i = 0; i < 400; i++) {
    families = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
    if (sample(families, 'spillway_audit_records_written_total') === sent) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.equal(sample(families, 'spillway_audit_records_written_total'), sent, 'the audit writer caught up');
  const metricSum = (name, labels = {}) => families.flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((acc, s) => acc + s.value, 0);
  const expected = {
    requests: metricSum('spillway_upstream_requests_total'),
    input: metricSum('spillway_tokens_total', { kind: 'input' }),
    output: metricSum('spillway_tokens_total', { kind: 'output' }),
    cost: metricSum('spillway_cost_usd_total'),
    received: metricSum('spillway_upstream_429s_total'),
    avoided: metricSum('spillway_upstream_429s_avoided_total'),
    overflowed: sample(families, 'spillway_overflowed_total'),
  };
  assert.equal(expected.requests, sent);
  assert.ok(expected.overflowed > 0, 'some requests overflowed to the local tier');
  const since = await auditJson(gw, ['--since', started]);
  assert.equal(since.totals.requests, sent);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox needs user namespaces, which a root session in a container lacks.
    args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
  });
  try {
    await checkPage(browser, gw, { sent, expected, since });
  } finally {
    await browser.close();
  }
});

async function checkPage(browser, gw, { sent, expected, since }) {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => { if (!r.url().includes('/admin/events')) problems.push(`request failed: ${r.url()}`); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });

  // The key travels in the fragment: never sent in the URL, kept in the tab's sessionStorage.
  await page.goto(`${gw.url}/ui#key=${ADMIN_KEY}`);
  assert.equal(new URL(page.url()).hash, '', 'the key is taken out of the address bar');
  await page.waitForFunction((n) => document.getElementById('total-requests').dataset.value === String(n),
    sent, { timeout: WAIT_MS });
  await page.waitForFunction(() => Number(document.body.dataset.statsEvents) >= 2, null, { timeout: WAIT_MS });
  await page.waitForFunction(() => document.querySelectorAll('#recent tbody tr').length > 0, null, { timeout: WAIT_MS });

  const shown = await page.evaluate(() => {
    const v = (id) => Number(document.getElementById(id).dataset.value);
    const chart = (id) => {
      const el = document.getElementById(id);
      const canvas = el.querySelector('canvas');
      return { nonzero: Number(el.dataset.nonzero), points: Number(el.dataset.points), canvas: canvas ? canvas.width : 0 };
    };
    return {
      requests: v('total-requests'), input: v('total-input'), output: v('total-output'), cost: v('total-cost'),
      received: v('total-429-received'), avoided: v('total-429-avoided'), overflowed: v('total-overflowed'),
      costText: document.getElementById('total-cost').textContent,
      charts: Object.fromEntries(['chart-requests', 'chart-input', 'chart-output', 'chart-pressure', 'chart-queue', 'chart-wait']
        .map((id) => [id, chart(id)])),
      recentRows: document.querySelectorAll('#recent tbody tr').length,
      upstreamRows: [...document.querySelectorAll('#upstreams tbody tr')].map((tr) => tr.dataset.upstream),
      headroom: [...document.querySelectorAll('#headroom .key h3')].map((h) => h.textContent),
      status: document.getElementById('connection').dataset.state,
      pageWidth: document.documentElement.scrollWidth,
    };
  });
  assert.equal(shown.status, 'live');
  // The page against /metrics ...
  assert.equal(shown.requests, expected.requests);
  assert.equal(shown.input, expected.input);
  assert.equal(shown.output, expected.output);
  assert.ok(Math.abs(shown.cost - expected.cost) < 1e-9, `${shown.cost} vs ${expected.cost}`);
  assert.equal(shown.received, expected.received);
  assert.equal(shown.avoided, expected.avoided);
  assert.equal(shown.overflowed, expected.overflowed);
  // ... and against `spillway audit` over the gateway's lifetime.
  assert.equal(shown.requests, since.totals.requests);
  assert.equal(shown.input, since.totals.input_tokens);
  assert.equal(shown.output, since.totals.output_tokens);
  assert.ok(Math.abs(shown.cost - since.totals.cost_usd) < 1e-9);
  assert.match(shown.costText, /^\$\d+\.\d{2,4}$/);
  for (const id of ['chart-requests', 'chart-input', 'chart-output', 'chart-pressure']) {
    assert.ok(shown.charts[id].nonzero > 0, `${id} has data: ${JSON.stringify(shown.charts[id])}`);
    assert.ok(shown.charts[id].canvas > 100, `${id} is drawn`);
    assert.equal(shown.charts[id].points, 60);
  }
  assert.ok(shown.charts['chart-queue'].points >= 2);
  assert.equal(shown.recentRows, sent);
  assert.deepEqual(shown.upstreamRows, ['premium', 'local', 'none']);
  assert.equal(shown.headroom.length, 2);
  assert.ok(shown.pageWidth <= 1366, `no sideways scrolling on a laptop screen (${shown.pageWidth} px)`);
  await page.screenshot({ path: join(OUT, 'dashboard-live.png'), fullPage: true });

  // History: the audit report of the last day, the seeded day included.
  await page.click('button[data-tab="history"]');
  await page.waitForFunction(() => Number(document.body.dataset.historyLoaded) >= 1, null, { timeout: WAIT_MS });
  const day = await auditJson(gw, ['--since', '24h', '--by', 'upstream']);
  const history = await page.evaluate(() => {
    const v = (id) => Number(document.getElementById(id).dataset.value);
    const el = document.getElementById('chart-history-tokens');
    return {
      requests: v('history-requests'), tokens: v('history-tokens'), cost: v('history-cost'), p95: v('history-p95'),
      points: Number(el.dataset.points), nonzero: Number(el.dataset.nonzero),
      groups: [...document.querySelectorAll('#history-groups tbody tr td:first-child')].map((td) => td.textContent),
    };
  });
  assert.equal(history.requests, day.totals.requests);
  assert.equal(history.requests, 4320 + sent);
  assert.equal(history.tokens, day.totals.total_tokens);
  assert.ok(Math.abs(history.cost - day.totals.cost_usd) < 1e-6);
  assert.equal(history.p95, day.percentiles.tokens_per_minute.p95);
  assert.ok(history.points > 1000 && history.points <= 1500, `a day of minutes, at most 1500 points: ${history.points}`);
  assert.ok(history.nonzero > 1000);
  assert.deepEqual(history.groups.sort(), day.groups.map((g) => g.key || '(none)').sort());
  // Still responsive with the day drawn: switching back and forth redraws at once.
  await page.click('button[data-tab="live"]');
  await page.click('button[data-tab="history"]');
  await page.waitForFunction(() => Number(document.body.dataset.historyLoaded) >= 2, null, { timeout: WAIT_MS });
  await page.screenshot({ path: join(OUT, 'dashboard-history.png'), fullPage: true });

  assert.deepEqual(problems, [], 'no console errors, failed requests or error statuses');
}
