// Virtual keys (docs/keys.md): created and revoked with `spillway keys` while the gateway serves;
// each key's own rate limit answers a 429 with retry-after, its budget a 403 naming the budget
// and when it resets, and concurrent spending never passes a budget by more than one request's
// reservation; a key limited to some routes is refused on the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { queryDb } from './lib/audit.mjs';
import { ANTHROPIC_VERSION, runCli, sha256hex, startGateway, startMock, tempDir, upstreamFor } from './lib/gateway.mjs';
import { waitFor } from './lib/limits.mjs';

async function setup(t) {
  const mock = await startMock(t, 'anthropic', ['--reply', 'one two three four five six seven eight nine ten']);
  const dir = tempDir(t);
  const db = join(dir, 'gateway.db');
  const gw = await startGateway(t, {
    auth: [{ sha256: sha256hex('sk-config-admin'), name: 'ops', admin: true }],
    audit: { sqlite: db },
    upstreams: [upstreamFor('premium', mock, 'anthropic')],
    routes: [
      { name: 'cheap', match: { model: 'claude-haiku-*' }, to: ['premium'] },
      { name: 'senior', match: { model: 'claude-*' }, to: ['premium'] },
    ],
  });
  const keys = async (...args) => {
    const res = await runCli(['keys', ...args, '--db', db]);
    assert.equal(res.code, 0, res.stderr);
    return res.stdout.trim();
  };
  return { mock, gw, db, keys };
}

function send(gw, key, { model = 'claude-sonnet-4-5', maxTokens = 20, openai = false } = {}) {
  if (openai) {
    return fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model, max_tokens: maxTokens, messages: [{ role: 'user', content: 'count to ten' }] }),
    });
  }
  return fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION, 'x-api-key': key },
    body: JSON.stringify({ model, max_tokens: maxTokens, messages: [{ role: 'user', content: 'count to ten' }] }),
  });
}

test('a key works once created and stops once revoked, without a restart', async (t) => {
  const { gw, db, keys } = await setup(t);
  const key = await keys('create', 'team-a');
  assert.match(key, /^sk-spillway-[0-9a-f]{48}$/);
  // The gateway re-reads the key table within a second.
  await waitFor(async () => (await send(gw, key)).status === 200, 'the new key to be accepted');
  assert.match(await keys('list'), /^team-a {2}sk-spillway-.{4}\.\.\. {2}created .* {2}active {2}no limits$/m);
  assert.doesNotMatch(await keys('list'), new RegExp(key));  // never the key itself

  await keys('revoke', 'team-a');
  await waitFor(async () => (await send(gw, key)).status === 401, 'the revoked key to be refused');
  await gw.stop();
  const rows = queryDb(db, "SELECT count(*) AS n FROM requests WHERE key_name = 'team-a' AND status = 200");
  assert.ok(rows[0].n >= 1, 'its requests are recorded under its name');
});

test("a key's own rate limit answers 429 with retry-after, in the caller's dialect", async (t) => {
  const { gw, keys } = await setup(t);
  const key = await keys('create', 'slow-agent', '--rpm', '2');
  await waitFor(async () => (await send(gw, key)).status !== 401, 'the key to be known');
  // The waitFor call above used one of the two; one more passes, the next is refused.
  let res = await send(gw, key);
  assert.equal(res.status, 200);
  res = await send(gw, key);
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
  const body = await res.json();
  assert.equal(body.error.type, 'rate_limit_error');
  assert.match(body.error.message, /gateway key 'slow-agent' is over its own limit: 2 requests a minute/);
  const openai = await send(gw, key, { openai: true });
  assert.equal(openai.status, 429);
  const openaiError = (await openai.json()).error;
  assert.equal(openaiError.code, 'rate_limit_exceeded');
  assert.match(openaiError.message, /over its own limit/);
});

test('concurrent spending passes a token budget by at most one reservation', async (t) => {
  const { gw, db, keys } = await setup(t);
  const budget = 600;
  const key = await keys('create', 'budgeted', '--tokens-per-day', String(budget));
  await waitFor(async () => (await send(gw, key, { maxTokens: 1 })).status !== 401, 'the key to be known');
  // 40 requests at once from 40 connections, each reserving its input estimate + 20.
  const results = await Promise.all(Array.from({ length: 40 }, () => send(gw, key).then(async (r) => ({ status: r.status, body: await r.json() }))));
  const ok = results.filter((r) => r.status === 200).length;
  const refused = results.filter((r) => r.status === 403);
  assert.ok(ok > 0 && refused.length > 0, `some served, some refused: ${ok} / ${refused.length}`);
  assert.equal(ok + refused.length, 40);
  assert.equal(refused[0].body.error.type, 'permission_error');
  assert.match(refused[0].body.error.message,
    /gateway key 'budgeted' has spent its budget tokens_per_day \(\d+ tokens of 600\); it resets at \d{4}-\d\d-\d\dT00:00:00Z/);
  await gw.stop();
  const [{ used, largest }] = queryDb(db, "SELECT sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens) AS used, max(input_tokens + output_tokens) AS largest FROM requests WHERE key_name = 'budgeted'");
  const reservation = largest + 20;
  assert.ok(used <= budget + reservation, `spent ${used} of ${budget} (one reservation: ${reservation})`);
});

test('a key limited to some routes is refused on the others', async (t) => {
  const { gw, keys } = await setup(t);
  const key = await keys('create', 'juniors-only', '--routes', 'cheap');
  await waitFor(async () => (await send(gw, key, { model: 'claude-haiku-4-5' })).status === 200, 'the key to be known');
  const res = await send(gw, key, { model: 'claude-opus-4-5' });
  assert.equal(res.status, 403);
  assert.match((await res.json()).error.message, /gateway key 'juniors-only' may not use route 'senior' \(it may use: cheap\)/);
});
