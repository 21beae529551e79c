// The token velocity audit (issue 5): every model request becomes one usage record in the
// SQLite database, with the usage the upstream reported, for whole and streamed replies, in
// both dialects, passed through or translated; refused requests are recorded too; /metrics
// agrees and parses as Prometheus text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { queryDb, parsePrometheus, sample } from './lib/audit.mjs';
import { ANTHROPIC_VERSION, runCli, sha256hex, startGateway, startMock, tempDir, upstreamFor } from './lib/gateway.mjs';

const KEY = 'sk-spillway-audit-test';

// USD per million tokens, from data/prices.yaml: [input, output, cache_read, cache_write].
const PRICES = {
  'claude-sonnet-4-5': [3, 15, 0.3, 3.75],
  'claude-haiku-4-5': [1, 5, 0.1, 1.25],
  'gpt-4o': [2.5, 10, 1.25, 2.5],
};

async function stats(mock) {
  return (await fetch(`${mock.url}/mock/stats`)).json();
}

async function send(gw, { dialect, model, stream, session, agent, includeUsage = true }) {
  const anthropic = dialect === 'anthropic';
  const body = anthropic
    ? { model, max_tokens: 64, stream, messages: [{ role: 'user', content: `Count the words in session ${session}, please.` }] }
    : { model, stream, messages: [{ role: 'user', content: `Count the words in session ${session}, please.` }] };
  if (!anthropic && stream && includeUsage) {
    body.stream_options = { include_usage: true };
  }
  const headers = {
    'content-type': 'application/json',
    authorization: `Bearer ${KEY}`,
    'x-spillway-session': session,
    'x-mock-cache-read': '7',
    'x-mock-cache-write': '5',
    ...(agent ? { 'x-spillway-agent': agent } : {}),
    ...(anthropic ? { 'anthropic-version': ANTHROPIC_VERSION } : {}),
  };
  const res = await fetch(`${gw.url}${anthropic ? '/v1/messages' : '/v1/chat/completions'}`, {
    method: 'POST', headers, body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

test('every request is one record holding the usage its upstream reported', async (t) => {
  const anthropicMock = await startMock(t, 'anthropic', ['--reply', 'one two three four five six']);
  const openaiMock = await startMock(t, 'openai', ['--reply', 'alpha beta gamma delta']);
  const dir = tempDir(t);
  const db = join(dir, 'audit.db');
  const gw = await startGateway(t, {
    auth: [{ sha256: sha256hex(KEY), name: 'ci-key' }],
    audit: { sqlite: db },
    upstreams: [upstreamFor('premium', anthropicMock, 'anthropic'), upstreamFor('local', openaiMock, 'openai')],
    routes: [
      { match: { model: 'claude-*' }, to: ['premium'] },
      { match: { model: 'gpt-*' }, to: ['local'] },
      { match: { model: '*' }, to: [{ upstream: 'local', model: 'qwen2.5-coder' }] },
    ],
  });

  // [client dialect, model, upstream, its mock, upstream model]: same dialect and translated.
  const routes = [
    ['anthropic', 'claude-sonnet-4-5', 'premium', anthropicMock, 'claude-sonnet-4-5'],
    ['anthropic', 'qwen-local', 'local', openaiMock, 'qwen2.5-coder'],
    ['openai', 'gpt-4o', 'local', openaiMock, 'gpt-4o'],
    ['openai', 'claude-haiku-4-5', 'premium', anthropicMock, 'claude-haiku-4-5'],
  ];
  const expected = [];
  let n = 0;
  for (const [dialect, model, upstream, mock, upstreamModel] of routes) {
    for (const stream of [false, true]) {
      const session = `s${++n}`;
      const agent = n % 2 ? 'planner' : undefined;
      const before = await stats(mock);
      const res = await send(gw, { dialect, model, stream, session, agent });
      assert.equal(res.status, 200, `${session}: ${res.text}`);
      const after = await stats(mock);
      const anthropicUpstream = mock === anthropicMock;
      expected.push({
        session, dialect, model, upstream, upstreamModel, stream, agent: agent ?? 'ci-key',
        input: after.input_tokens - before.input_tokens,
        output: after.output_tokens - before.output_tokens,
        cacheRead: 7,
        cacheWrite: anthropicUpstream ? 5 : 0,
      });
    }
  }
  // An OpenAI stream that did not ask for usage carries none: the record holds an estimate.
  const noUsage = await send(gw, { dialect: 'openai', model: 'gpt-4o', stream: true, session: 'estimated', includeUsage: false });
  assert.equal(noUsage.status, 200);
  // Refused requests are records too.
  const unauthorized = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [] }),
  });
  assert.equal(unauthorized.status, 401);
  const badJson = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: '{"model": ',
  });
  assert.equal(badJson.status, 400);

  // /metrics before the stop: the Prometheus parser must accept it, and its token counters
  // agree with what the mocks reported.
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const families = parsePrometheus(text);
  const tokensInMetrics = (upstream, kind) => ['claude-*', 'gpt-*', '*'].reduce(
    (acc, route) => acc + (sample(families, 'spillway_tokens_total', { upstream, route, kind }) ?? 0), 0);
  assert.ok(sample(families, 'spillway_request_duration_seconds_count', { upstream: 'premium' }) >= 4);
  assert.ok(sample(families, 'spillway_time_to_first_byte_seconds_count', { upstream: 'local' }) >= 5);
  assert.equal(sample(families, 'spillway_upstream_requests_total', { upstream: 'none', status: '4xx' }), 2);

  // A clean stop writes everything queued.
  const exit = await gw.stop();
  assert.equal(exit.code, 0);
  const rows = queryDb(db, 'SELECT * FROM requests ORDER BY id');
  assert.equal(rows.length, expected.length + 3, 'one record per request');
  for (const e of expected) {
    const r = rows.find((row) => row.session === e.session);
    assert.ok(r, `a record for ${e.session}`);
    const what = `${e.session} (${e.dialect} -> ${e.upstream}, stream ${e.stream})`;
    assert.equal(r.status, 200, what);
    assert.equal(r.dialect, e.dialect, what);
    assert.equal(r.model, e.model, what);
    assert.equal(r.upstream, e.upstream, what);
    assert.equal(r.upstream_model, e.upstreamModel, what);
    assert.equal(r.stream, e.stream ? 1 : 0, what);
    assert.equal(r.key_name, 'ci-key', what);
    assert.equal(r.agent, e.agent, what);
    assert.equal(r.attempts, 1, what);
    assert.ok(e.input > 0 && e.output > 0, `${what}: the mock reported usage`);
    assert.equal(r.input_tokens, e.input, `${what}: input tokens`);
    assert.equal(r.output_tokens, e.output, `${what}: output tokens`);
    assert.equal(r.cache_read_tokens, e.cacheRead, `${what}: cache reads`);
    assert.equal(r.cache_write_tokens, e.cacheWrite, `${what}: cache writes`);
    assert.equal(r.usage_estimated, 0, what);
    assert.ok(r.ttft_ms !== null && r.ttft_ms >= 0 && r.ttft_ms <= r.end_ms - r.start_ms, `${what}: ttft ${r.ttft_ms}`);
    const price = PRICES[e.upstreamModel];
    if (price) {
      const cost = (e.input * price[0] + e.output * price[1] + e.cacheRead * price[2] + e.cacheWrite * price[3]) / 1e6;
      assert.ok(Math.abs(r.cost_usd - cost) < 1e-12, `${what}: cost ${r.cost_usd} != ${cost}`);
    } else {
      assert.equal(r.cost_usd, null, `${what}: no price for ${e.upstreamModel}`);
    }
  }
  const est = rows.find((row) => row.session === 'estimated');
  assert.equal(est.usage_estimated, 1);
  assert.ok(est.input_tokens > 0 && est.output_tokens > 0, JSON.stringify(est));
  const refused = rows.filter((row) => row.status !== 200);
  assert.deepEqual(refused.map((r) => [r.status, r.endpoint, r.input_tokens, r.output_tokens]).sort(),
    [[400, 'chat', 0, 0], [401, 'messages', 0, 0]]);
  // /metrics counted the same tokens as the records.
  for (const upstream of ['premium', 'local']) {
    for (const [kind, column] of [['input', 'input_tokens'], ['output', 'output_tokens'], ['cache_read', 'cache_read_tokens'], ['cache_write', 'cache_write_tokens']]) {
      const inDb = rows.filter((r) => r.upstream === upstream).reduce((acc, r) => acc + r[column], 0);
      assert.equal(tokensInMetrics(upstream, kind), inDb, `${kind} tokens of ${upstream}: /metrics against the records`);
    }
  }
  // `spillway audit --format json` reports the same totals (its interface to keep stable).
  const report = await runCli(['audit', '--db', db, '--format', 'json']);
  assert.equal(report.code, 0, report.stderr);
  const totals = JSON.parse(report.stdout).totals;
  const column = (name) => rows.reduce((acc, r) => acc + r[name], 0);
  assert.equal(totals.requests, rows.length);
  assert.equal(totals.input_tokens, column('input_tokens'));
  assert.equal(totals.output_tokens, column('output_tokens'));
  assert.equal(totals.cache_read_tokens, column('cache_read_tokens'));
  assert.ok(Math.abs(totals.cost_usd - column('cost_usd')) < 1e-9, `${totals.cost_usd} vs ${column('cost_usd')}`);
  // Nothing of the conversation is stored unless store_content is on.
  assert.equal(queryDb(db, 'SELECT count(*) AS n FROM content')[0].n, 0);
});

test('store_content keeps request and response bodies, and only then', async (t) => {
  const mock = await startMock(t, 'anthropic', ['--reply', 'kept words here']);
  const dir = tempDir(t);
  const db = join(dir, 'content.db');
  const gw = await startGateway(t, {
    audit: { sqlite: db, store_content: true, max_content_bytes: 4096 },
    upstreams: [upstreamFor('premium', mock, 'anthropic')],
  });
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 32, messages: [{ role: 'user', content: 'the secret plan' }] }),
  });
  assert.equal(res.status, 200);
  await res.text();
  await gw.stop();
  const rows = queryDb(db, 'SELECT r.status, c.request_body, c.response_body FROM requests r JOIN content c ON c.request_id = r.id');
  assert.equal(rows.length, 1);
  assert.match(rows[0].request_body, /the secret plan/);
  assert.match(rows[0].response_body, /kept words here/);
});
