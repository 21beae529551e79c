// The dashboard's API (docs/dashboard.md): /admin/stats, /admin/events, /admin/recent and
// /admin/history agree with /metrics and `spillway audit --format json` after real traffic
// through the gateway (same dialect and translated, whole and streamed, refused, a 429 from the
// upstream and overflow to the local tier); the admin rule guards them; the page's files are
// served from the binary; event streams are bounded and end when the gateway stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { parsePrometheus, sample } from './lib/audit.mjs';
import {
  ANTHROPIC_VERSION, errorMessage, rawRequest, runCli, sha256hex, startGateway, startMock, tempDir, upstreamFor,
} from './lib/gateway.mjs';

const AGENT_KEY = 'sk-dashboard-agent';
const ADMIN_KEY = 'sk-dashboard-ops';
const auth = (key) => (key ? { authorization: `Bearer ${key}` } : {});

async function send(gw, { dialect, model, stream = false, key = AGENT_KEY, headers = {} }) {
  const anthropic = dialect === 'anthropic';
  const body = { model, stream, messages: [{ role: 'user', content: `Say something about ${model}.` }] };
  if (anthropic) body.max_tokens = 64;
  if (!anthropic && stream) body.stream_options = { include_usage: true };
  const res = await fetch(`${gw.url}${anthropic ? '/v1/messages' : '/v1/chat/completions'}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', 'x-spillway-agent': `agent-${dialect}`, ...auth(key),
      ...(anthropic ? { 'anthropic-version': ANTHROPIC_VERSION } : {}), ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, upstream: res.headers.get('x-spillway-upstream'), text: await res.text() };
}

async function getJson(gw, path, key = ADMIN_KEY) {
  const res = await fetch(`${gw.url}${path}`, { headers: auth(key) });
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${text}`);
  return JSON.parse(text);
}

// Waits, in a bounded number of polls, until `check()` returns a truthy value.
async function until(what, check) {
  for (let i = 0; i < 400; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

// Reads /admin/events until the first event, then leaves. Resolves the parsed event and the raw head.
async function firstEvent(gw, path = '/admin/events', key = ADMIN_KEY) {
  const ctl = new AbortController();
  const res = await fetch(`${gw.url}${path}`, { headers: auth(key), signal: ctl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    assert.equal(done, false, 'the stream ended before its first event');
    text += value;
  }
  ctl.abort();
  await reader.cancel().catch(() => {});
  const block = text.slice(0, text.indexOf('\n\n'));
  const lines = block.split('\n');
  assert.equal(lines[0], 'event: stats');
  return JSON.parse(lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'));
}

async function startDashboardGateway(t) {
  // premium takes 3 requests a minute: the rest overflow to the local tier.
  const premium = await startMock(t, 'anthropic');
  const local = await startMock(t, 'openai');
  const dir = tempDir(t);
  const db = join(dir, 'audit.db');
  const gw = await startGateway(t, {
    auth: [{ sha256: sha256hex(AGENT_KEY), name: 'agent' }, { sha256: sha256hex(ADMIN_KEY), name: 'ops', admin: true }],
    audit: { sqlite: db },
    upstreams: [
      upstreamFor('premium', premium, 'anthropic', { limits: { rpm: 3 }, api_key_env: 'DASHBOARD_TEST_PROVIDER_KEY' }),
      upstreamFor('local', local, 'openai'),
    ],
    routes: [
      { match: { model: 'claude-opus-*' }, to: ['premium'] },
      { match: { model: 'claude-*' }, to: ['premium'], overflow: [{ upstream: 'local', model: 'gpt-4o' }], max_wait: '1s' },
      { match: { model: '*' }, to: ['local'] },
    ],
  }, { dir, env: { DASHBOARD_TEST_PROVIDER_KEY: 'sk-ant-dashboard-very-secret' } });
  return { gw, db };
}

test('stats, events, recent and history agree with /metrics and spillway audit', async (t) => {
  const { gw, db } = await startDashboardGateway(t);
  // The upstream answers one request 429 (the mock does as told) on a route with nowhere else to go.
  const refusedByUpstream = await send(gw, { dialect: 'anthropic', model: 'claude-opus-4-1', headers: { 'x-mock-status': '429' } });
  assert.equal(refusedByUpstream.status, 429, refusedByUpstream.text);
  let sent = 1;
  const upstreams = [];
  for (let i = 0; i < 5; i++) {
    const r = await send(gw, { dialect: 'anthropic', model: 'claude-sonnet-4-5', stream: i % 2 === 1 });
    assert.equal(r.status, 200, r.text);
    upstreams.push(r.upstream);
    sent++;
  }
  for (const stream of [false, true]) {
    assert.equal((await send(gw, { dialect: 'openai', model: 'gpt-4o', stream })).status, 200);
    assert.equal((await send(gw, { dialect: 'anthropic', model: 'gpt-4o', stream })).status, 200);
    sent += 2;
  }
  assert.equal((await send(gw, { dialect: 'openai', model: 'gpt-4o', key: 'sk-wrong' })).status, 401);
  sent++;
  assert.ok(upstreams.includes('local'), `some claude requests overflowed: ${upstreams}`);

  // Every record is written (the history reads the database) and counted.
  const families = await until('the audit writer', async () => {
    const f = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
    return sample(f, 'spillway_audit_records_written_total') === sent ? f : null;
  });
  const metricSum = (name, labels) => families.flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((acc, s) => acc + s.value, 0);

  const stats = await getJson(gw, '/admin/stats');
  assert.doesNotMatch(JSON.stringify(stats), /very-secret/);
  assert.equal(stats.totals.requests, sent);
  assert.equal(stats.totals.requests, metricSum('spillway_upstream_requests_total', {}));
  for (const name of ['premium', 'local', 'none']) {
    const u = stats.upstreams.find((x) => x.name === name);
    assert.ok(u, `upstream ${name} in stats`);
    assert.equal(u.totals.requests, metricSum('spillway_upstream_requests_total', { upstream: name }), name);
    for (const [field, kind] of [['input_tokens', 'input'], ['output_tokens', 'output'],
      ['cache_read_tokens', 'cache_read'], ['cache_write_tokens', 'cache_write']]) {
      assert.equal(u.totals[field], metricSum('spillway_tokens_total', { upstream: name, kind }), `${name} ${field}`);
    }
    assert.ok(Math.abs(u.totals.cost_usd - metricSum('spillway_cost_usd_total', { upstream: name })) < 1e-9);
  }
  assert.ok(stats.totals.input_tokens > 0 && stats.totals.output_tokens > 0 && stats.totals.cost_usd > 0);
  assert.equal(stats.totals.errors, 2);
  // The limits part is /admin/limits, and its counters are the ones /metrics shows.
  const premium = stats.limits.upstreams.find((u) => u.upstream === 'premium');
  assert.equal(premium.received_429s, sample(families, 'spillway_upstream_429s_total', { upstream: 'premium' }));
  assert.equal(premium.avoided, sample(families, 'spillway_upstream_429s_avoided_total', { upstream: 'premium' }));
  assert.ok(premium.received_429s >= 1, 'the upstream answered a 429');
  assert.equal(premium.keys[0].source, 'env DASHBOARD_TEST_PROVIDER_KEY');
  assert.equal(stats.limits.queue.overflowed, sample(families, 'spillway_overflowed_total'));
  assert.ok(stats.limits.queue.overflowed >= 1);
  assert.equal(stats.limits.queue.waiting, sample(families, 'spillway_queue_waiting'));
  assert.ok(Math.abs(stats.limits.queue.wait_seconds_total - sample(families, 'spillway_queue_wait_seconds_total')) < 1e-3);

  // The per-minute series hold every request of the last hour, and the 429 in premium's.
  assert.equal(stats.minutes.count, 60);
  const seriesSum = (name, field) => stats.minutes.series[name][field].reduce((a, b) => a + b, 0);
  for (const u of stats.upstreams) {
    assert.equal(stats.minutes.series[u.name].requests.length, 60);
    assert.equal(seriesSum(u.name, 'requests'), u.totals.requests, u.name);
    assert.equal(seriesSum(u.name, 'input_tokens'), u.totals.input_tokens, u.name);
    assert.equal(seriesSum(u.name, 'output_tokens'), u.totals.output_tokens, u.name);
    assert.equal(seriesSum(u.name, 'overflowed'), u.totals.overflowed, u.name);
  }
  assert.equal(seriesSum('premium', 'upstream_429s'), premium.received_429s);
  assert.equal(seriesSum('local', 'overflowed'), stats.limits.queue.overflowed);
  assert.equal((await getJson(gw, '/admin/stats?minutes=5')).minutes.series.local.requests.length, 5);

  // The event stream carries the same snapshot.
  const event = await firstEvent(gw, '/admin/events?minutes=15');
  assert.deepEqual(event.totals, stats.totals);
  assert.equal(event.minutes.count, 15);
  await until('the event stream to close', async () => (await getJson(gw, '/admin/stats')).event_streams === 0);

  // Recent requests: newest first, as many as asked, no bodies, no secrets.
  const recent = await getJson(gw, '/admin/recent?limit=3');
  assert.equal(recent.requests.length, 3);
  assert.equal(recent.latest_seq, sent);
  assert.deepEqual(recent.requests.map((r) => r.seq), [sent, sent - 1, sent - 2]);
  assert.equal(recent.requests[0].status, 401);
  assert.equal(recent.requests[0].upstream, '');
  const all = await getJson(gw, '/admin/recent?limit=500');
  assert.equal(all.requests.length, sent);
  const overflowed = all.requests.filter((r) => r.overflowed);
  assert.equal(overflowed.length, stats.totals.overflowed);
  assert.ok(all.requests.some((r) => r.refused_by.includes('premium:429')));
  assert.equal(all.requests.reduce((a, r) => a + r.input_tokens, 0), stats.totals.input_tokens);
  assert.equal((await getJson(gw, `/admin/recent?after=${sent - 1}`)).requests.length, 1);

  // History: the same JSON as the command over the same window (absolute times, so both agree).
  const since = new Date(Date.now() - 3600_000).toISOString();
  const untilTime = new Date(Date.now() + 60_000).toISOString();
  const q = `since=${encodeURIComponent(since)}&until=${encodeURIComponent(untilTime)}&by=upstream`;
  const history = await getJson(gw, `/admin/history?${q}`);
  const cli = await runCli(['audit', '--config', gw.configPath, '--since', since, '--until', untilTime,
    '--by', 'upstream', '--format', 'json'], { cwd: gw.dir });
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(history, JSON.parse(cli.stdout));
  assert.equal(history.totals.requests, stats.totals.requests);
  assert.equal(history.totals.input_tokens, stats.totals.input_tokens);
  assert.equal(history.totals.output_tokens, stats.totals.output_tokens);
  assert.ok(Math.abs(history.totals.cost_usd - stats.totals.cost_usd) < 1e-9);
  assert.equal(history.totals.overflowed_requests, stats.totals.overflowed);
  const byUpstream = Object.fromEntries(history.groups.map((g) => [g.key, g.totals.requests]));
  assert.equal(byUpstream.premium, stats.upstreams.find((u) => u.name === 'premium').totals.requests);
  assert.equal(byUpstream.local, stats.upstreams.find((u) => u.name === 'local').totals.requests);
  // The default window is the last day.
  assert.equal((await getJson(gw, '/admin/history')).totals.requests, sent);
  assert.ok(db);
});

test('bad queries get a clear 400 in the caller\'s dialect', async (t) => {
  const { gw } = await startDashboardGateway(t);
  const cases = [
    ['/admin/recent?limit=0', /'limit': expected a whole number from 1 to 500/],
    ['/admin/recent?limit=ten', /'limit': expected a whole number/],
    ['/admin/stats?minutes=1441', /'minutes': expected a whole number from 1 to 1440/],
    ['/admin/events?minutes=0', /'minutes'/],
    ['/admin/history?since=yesterday', /since/],
    ['/admin/history?since=30d', /more than 7 days/],
    ['/admin/history?by=colour', /expected agent, session, model, upstream or key/],
    ['/admin/history?since=%zz', /two hex digits/],
    [`/admin/history?since=${'9'.repeat(200)}`, /longer than 128/],
  ];
  for (const [path, message] of cases) {
    const res = await fetch(`${gw.url}${path}`, { headers: auth(ADMIN_KEY) });
    assert.equal(res.status, 400, path);
    assert.match(errorMessage('openai', await res.json()), message, path);
  }
  const anthropic = await fetch(`${gw.url}/admin/recent?limit=0`,
    { headers: { ...auth(ADMIN_KEY), 'anthropic-version': ANTHROPIC_VERSION } });
  assert.equal(anthropic.status, 400);
  assert.match(errorMessage('anthropic', await anthropic.json()), /limit/);
});

test('the dashboard API needs an admin key; the page itself holds no figures', async (t) => {
  const { gw } = await startDashboardGateway(t);
  for (const path of ['/admin/stats', '/admin/events', '/admin/recent', '/admin/history']) {
    assert.equal((await fetch(`${gw.url}${path}`)).status, 401, path);
    const refused = await fetch(`${gw.url}${path}`, { headers: auth(AGENT_KEY) });
    assert.equal(refused.status, 403, path);
    assert.match(errorMessage('openai', await refused.json()), /admin gateway key/);
  }
  const page = await fetch(`${gw.url}/ui`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  const html = await page.text();
  assert.match(html, /<script src="\/ui\/vendor\/uPlot.iife.min.js"><\/script>/);
  assert.doesNotMatch(html, /https?:\/\//, 'nothing from another origin');
  for (const [path, type] of [['/ui/', /text\/html/], ['/ui/app.js', /javascript/], ['/ui/app.css', /text\/css/],
    ['/ui/vendor/uPlot.iife.min.js', /javascript/], ['/ui/vendor/uPlot.min.css', /text\/css/]]) {
    const res = await fetch(`${gw.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type'), type, path);
    assert.ok((await res.arrayBuffer()).byteLength > 100, path);
  }
  const climbing = await rawRequest(gw.url, `GET /ui/../app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.equal(climbing.status, 404);
  assert.equal((await fetch(`${gw.url}/ui/nothing.js`)).status, 404);
});

test('event streams are bounded, and end when the gateway stops', async (t) => {
  const { gw } = await startDashboardGateway(t);
  const open = [];
  for (let i = 0; i < 16; i++) {
    const ctl = new AbortController();
    const res = await fetch(`${gw.url}/admin/events`, { headers: auth(ADMIN_KEY), signal: ctl.signal });
    assert.equal(res.status, 200);
    open.push({ ctl, res });
  }
  const refused = await fetch(`${gw.url}/admin/events`, { headers: auth(ADMIN_KEY) });
  assert.equal(refused.status, 503);
  assert.match(errorMessage('openai', await refused.json()), /too many dashboard event streams/);
  assert.equal((await getJson(gw, '/admin/stats')).event_streams, 16);
  for (const s of open.slice(1)) s.ctl.abort();
  await until('the closed streams to be let go', async () => (await getJson(gw, '/admin/stats')).event_streams === 1);

  // One left open: a stop drains it, the gateway exits cleanly, and the stream ends.
  const reader = open[0].res.body.getReader();
  const exit = await gw.stop();
  assert.equal(exit.code, 0);
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
});
