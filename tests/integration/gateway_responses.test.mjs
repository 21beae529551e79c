// POST /v1/responses through the gateway: routed by dialect like the other two, capped by a
// route's max_tokens (as max_output_tokens), recorded in the audit with the upstream's usage,
// and bad input answered in the Responses (OpenAI) error shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { queryDb } from './lib/audit.mjs';
import { startGateway, startMock, tempDir, upstreamFor } from './lib/gateway.mjs';

async function stats(mock) {
  return (await fetch(`${mock.url}/mock/stats`)).json();
}

async function respond(gw, body, headers = {}) {
  const res = await fetch(`${gw.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, upstream: res.headers.get('x-spillway-upstream'), text: await res.text() };
}

function completedOf(sse) {
  const frame = sse.split('\n\n').find((f) => f.startsWith('event: response.completed') ||
    f.startsWith('event: response.incomplete'));
  assert.ok(frame, sse);
  return JSON.parse(frame.slice(frame.indexOf('data: ') + 6)).response;
}

test('Responses requests are routed, capped and audited like the other dialects', async (t) => {
  const premium = await startMock(t, 'anthropic', ['--reply', 'one two three four five six seven eight']);
  const local = await startMock(t, 'openai', ['--reply', 'alpha beta gamma delta epsilon zeta eta theta']);
  const db = join(tempDir(t), 'audit.db');
  const gw = await startGateway(t, {
    audit: { sqlite: db },
    upstreams: [upstreamFor('premium', premium, 'anthropic'), upstreamFor('local', local, 'openai')],
    routes: [
      { name: 'codex', match: { model: 'gpt-*', dialect: 'responses' }, to: [{ upstream: 'local', model: 'qwen' }], max_tokens: 5 },
      { name: 'main', match: { model: '*' }, to: ['premium'] },
    ],
  });

  // Whole and streamed, to each upstream dialect; the record holds what the mock reported.
  const cases = [
    ['gpt-5-codex', 'local', local, false], ['gpt-5-codex', 'local', local, true],
    ['claude-sonnet-4-5', 'premium', premium, false], ['claude-sonnet-4-5', 'premium', premium, true],
  ];
  const expected = [];
  for (const [model, upstream, mock, stream] of cases) {
    const session = `r-${upstream}-${stream}`;
    const before = await stats(mock);
    const res = await respond(gw, { model, input: 'Count these words, please.', stream, max_output_tokens: 1000 },
      { 'x-spillway-session': session });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.upstream, upstream);
    const response = stream ? completedOf(res.text) : JSON.parse(res.text);
    assert.equal(response.model, model);
    const after = await stats(mock);
    expected.push({ session, upstream, stream, response,
      input: after.input_tokens - before.input_tokens, output: after.output_tokens - before.output_tokens });
  }
  // The route's ceiling reached the local model as its max_tokens: cut at 5 words.
  for (const e of expected.filter((x) => x.upstream === 'local')) {
    assert.equal(e.output, 5, 'the ceiling reached the upstream');
    assert.equal(e.response.status, 'incomplete');
    assert.equal(e.response.incomplete_details.reason, 'max_output_tokens');
  }
  for (const e of expected.filter((x) => x.upstream === 'premium')) {
    assert.equal(e.response.status, 'completed');
    assert.equal(e.response.usage.output_tokens, 8);
  }

  // Bad input: the Responses error shape, the right status, nothing sent upstream.
  const sentBefore = (await stats(local)).requests + (await stats(premium)).requests;
  const malformed = await respond(gw, '{"model": ');
  assert.equal(malformed.status, 400);
  assert.equal(JSON.parse(malformed.text).error.type, 'invalid_request_error');
  const stateful = await respond(gw, { model: 'gpt-5-codex', input: 'again', previous_response_id: 'resp_1' });
  assert.equal(stateful.status, 400);
  assert.match(JSON.parse(stateful.text).error.message, /previous_response_id/);
  const noInput = await respond(gw, { model: 'gpt-5-codex' });
  assert.equal(noInput.status, 400);
  assert.match(JSON.parse(noInput.text).error.message, /input is required/);
  assert.equal((await stats(local)).requests + (await stats(premium)).requests, sentBefore);
  const retrieve = await fetch(`${gw.url}/v1/responses/resp_1`);
  assert.equal(retrieve.status, 404);
  assert.match((await retrieve.json()).error.message, /not stored/);

  assert.equal((await gw.stop()).code, 0);
  const rows = queryDb(db, "SELECT * FROM requests WHERE dialect = 'responses' ORDER BY id");
  assert.equal(rows.length, expected.length + 3, 'every Responses request is a record, refused ones too');
  for (const e of expected) {
    const r = rows.find((row) => row.session === e.session);
    assert.ok(r, e.session);
    assert.equal(r.endpoint, 'responses');
    assert.equal(r.route, e.upstream === 'local' ? 'codex' : 'main');
    assert.equal(r.upstream, e.upstream);
    assert.equal(r.stream, e.stream ? 1 : 0);
    assert.equal(r.input_tokens, e.input, `${e.session}: input tokens`);
    assert.equal(r.output_tokens, e.output, `${e.session}: output tokens`);
    assert.equal(r.usage_estimated, 0);
    // What the client was told agrees with the record (Responses input counts cached tokens).
    assert.equal(e.response.usage.input_tokens, r.input_tokens + r.cache_read_tokens + r.cache_write_tokens);
    assert.equal(e.response.usage.output_tokens, r.output_tokens);
  }
  assert.deepEqual(rows.filter((r) => r.status === 400).length, 3);
});

test('an upstream that serves the Responses API gets Responses requests as they are', async (t) => {
  const openai = await startMock(t, 'openai', ['--reply', 'straight through unchanged']);
  const chat = await startMock(t, 'openai', ['--reply', 'translated on the way']);
  const db = join(tempDir(t), 'audit.db');
  const gw = await startGateway(t, {
    audit: { sqlite: db },
    upstreams: [upstreamFor('openai', openai, 'openai', { responses: true }), upstreamFor('vllm', chat, 'openai')],
    routes: [
      { name: 'native', match: { model: 'gpt-*' }, to: [{ upstream: 'openai', model: 'gpt-5' }] },
      { name: 'local', match: { model: '*' }, to: ['vllm'] },
    ],
  });
  const expected = [];
  for (const stream of [false, true]) {
    const session = `native-${stream}`;
    const before = await stats(openai);
    const res = await respond(gw, { model: 'gpt-5-codex', input: 'Hello there.', stream },
      { 'x-spillway-session': session, 'x-mock-cache-read': '3' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.upstream, 'openai');
    const response = stream ? completedOf(res.text) : JSON.parse(res.text);
    // The provider's own answer: its ids (the mock names its item after the response) and the
    // model it was asked for, which the route rewrote.
    assert.equal(response.output[0].id, `msg_${response.id.slice(5)}`);
    assert.equal(response.model, 'gpt-5');
    assert.equal(response.output[0].content[0].text, 'straight through unchanged');
    assert.equal(response.usage.input_tokens_details.cached_tokens, 3);
    const after = await stats(openai);
    expected.push({ session, response, input: after.input_tokens - before.input_tokens,
      output: after.output_tokens - before.output_tokens });
  }
  // The same client to a Chat Completions server: translated (item ids are the gateway's).
  const translated = JSON.parse((await respond(gw, { model: 'qwen', input: 'Hello there.' })).text);
  assert.equal(translated.output[0].id, `msg_${translated.id.slice(5)}_0`);
  assert.equal(translated.output[0].content[0].text, 'translated on the way');
  assert.equal((await stats(chat)).requests, 1);

  assert.equal((await gw.stop()).code, 0);
  for (const e of expected) {
    const [r] = queryDb(db, `SELECT * FROM requests WHERE session = '${e.session}'`);
    assert.equal(r.upstream, 'openai');
    assert.equal(r.upstream_model, 'gpt-5');
    assert.equal(r.output_tokens, e.output);
    assert.equal(r.input_tokens, e.input, 'uncached input, as for every dialect');
    assert.equal(r.cache_read_tokens, 3);
    assert.equal(e.response.usage.input_tokens, r.input_tokens + r.cache_read_tokens);
  }
});

test('a Responses stream that cannot be served fails the way Codex retries: response.failed, try again in Ns', async (t) => {
  const mock = await startMock(t, 'openai', ['--reply', 'once']);
  const db = join(tempDir(t), 'audit.db');
  const gw = await startGateway(t, {
    audit: { sqlite: db },
    upstreams: [upstreamFor('local', mock, 'openai', { limits: { rpm: 1 } })],
    routes: [{ name: 'all', match: { model: '*' }, to: ['local'], max_wait: '100ms' }],
  });
  const first = await respond(gw, { model: 'gpt-5-codex', input: 'hi', stream: true });
  assert.equal(first.status, 200);
  assert.equal(completedOf(first.text).status, 'completed');
  // The one request a minute is spent: a stream gets a failed response it can act on...
  const stream = await respond(gw, { model: 'gpt-5-codex', input: 'hi', stream: true });
  assert.equal(stream.status, 200, stream.text);
  const events = stream.text.trim().split('\n\n').map((f) => f.split('\n')[0].slice(7));
  assert.deepEqual(events, ['response.created', 'response.in_progress', 'response.failed']);
  const failed = JSON.parse(stream.text.split('\n\n')[2].split('data: ')[1]).response;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error.code, 'rate_limit_exceeded');
  assert.match(failed.error.message, /try again in \d+s/);
  // ...a whole response an HTTP 429 in the OpenAI shape, with retry-after.
  const res = await fetch(`${gw.url}/v1/responses`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-5-codex', input: 'hi' }),
  });
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
  assert.equal((await res.json()).error.code, 'rate_limit_exceeded');
  assert.equal((await stats(mock)).requests, 1, 'nothing was sent into the limit');
  // The record keeps what happened: refused with a 429, both times.
  assert.equal((await gw.stop()).code, 0);
  const statuses = queryDb(db, 'SELECT status FROM requests ORDER BY id').map((r) => r.status);
  assert.deepEqual(statuses, [200, 429, 429]);
});
