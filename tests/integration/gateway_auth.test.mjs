// Gateway keys: SHA-256 digests in the config, presented as x-api-key or Authorization: Bearer;
// refusals in the caller's dialect.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import { http, stopProcessesAfter } from './lib/harness.mjs';
import {
  ANTHROPIC_VERSION, bodyFor, endpointFor, metrics, rawPost, rawRequest, sha256hex, startGateway, suiteContext, startMock,
  upstreamFor,
} from './lib/gateway.mjs';

stopProcessesAfter();

const ALICE = 'sk-spillway-alice-0123456789abcdef';
const BOB = 'sk-spillway-bob-fedcba9876543210';

// One gateway with two keys (one as {sha256, name}, one as a bare upper-case digest) in front
// of one mock per dialect, shared by the tests below.
async function keyedGateway(t) {
  const anthropic = await startMock(t, 'anthropic');
  const openai = await startMock(t, 'openai');
  return startGateway(t, {
    auth: [{ sha256: sha256hex(ALICE), name: 'alice' }, sha256hex(BOB).toUpperCase()],
    upstreams: [upstreamFor('a', anthropic, 'anthropic'), upstreamFor('o', openai, 'openai')],
    routes: [{ match: { model: 'claude-*' }, to: ['a'] }, { match: { model: 'gpt-*' }, to: ['o'] }],
  });
}

function assertAnthropicAuthError(res) {
  assert.equal(res.status, 401, res.text);
  assert.match(res.headers.get('content-type') || '', /application\/json/);
  const json = res.json();
  assert.equal(json.type, 'error');
  assert.equal(json.error.type, 'authentication_error');
  assert.equal(typeof json.error.message, 'string');
}

function assertOpenAIAuthError(res) {
  assert.equal(res.status, 401, res.text);
  assert.match(res.headers.get('content-type') || '', /application\/json/);
  const json = res.json();
  assert.equal(json.type, undefined, 'no Anthropic envelope');
  assert.equal(typeof json.error, 'object');
  assert.equal(typeof json.error.message, 'string');
  assert.equal(json.error.type, 'authentication_error');
}

describe('auth list', () => {
  let gw;
  const suite = suiteContext();
  before(async () => {
    gw = await keyedGateway(suite);
  });

  test('x-api-key with a listed key is accepted (both entries, both dialects)', async () => {
    for (const key of [ALICE, BOB]) {
      const a = await http(`${gw.url}/v1/messages`, { body: bodyFor('anthropic'), headers: { 'x-api-key': key, 'anthropic-version': ANTHROPIC_VERSION } });
      assert.equal(a.status, 200, a.text);
      const o = await http(`${gw.url}/v1/chat/completions`, { body: bodyFor('openai'), headers: { 'x-api-key': key } });
      assert.equal(o.status, 200, o.text);
    }
  });

  test('Authorization: Bearer with a listed key is accepted', async () => {
    const o = await http(`${gw.url}/v1/chat/completions`, { body: bodyFor('openai'), headers: { authorization: `Bearer ${ALICE}` } });
    assert.equal(o.status, 200, o.text);
    const a = await http(`${gw.url}/v1/messages`, { body: bodyFor('anthropic'), headers: { authorization: `Bearer ${BOB}`, 'anthropic-version': ANTHROPIC_VERSION } });
    assert.equal(a.status, 200, a.text);
  });

  test('a wrong key is refused with 401 in the caller\'s dialect', async () => {
    const before = await metrics(gw.url);
    const wrong = [
      { 'x-api-key': 'sk-spillway-wrong' },
      { authorization: 'Bearer sk-spillway-wrong' },
      { 'x-api-key': ALICE.slice(0, -1) },  // a prefix of a good key
      { authorization: sha256hex(ALICE) },  // the digest itself is not a key
    ];
    for (const headers of wrong) {
      assertAnthropicAuthError(await http(`${gw.url}/v1/messages`, { body: bodyFor('anthropic'), headers: { ...headers, 'anthropic-version': ANTHROPIC_VERSION } }));
      assertOpenAIAuthError(await http(`${gw.url}/v1/chat/completions`, { body: bodyFor('openai'), headers }));
    }
    assertAnthropicAuthError(await http(`${gw.url}/v1/messages/count_tokens`, { body: bodyFor('anthropic'), headers: { 'x-api-key': 'nope' } }));
    const after = await metrics(gw.url);
    assert.equal(after.spillway_auth_rejected_total - before.spillway_auth_rejected_total, 9);
    assert.equal(after.spillway_upstream_attempts_total, before.spillway_upstream_attempts_total, 'nothing reached an upstream');
  });

  test('a missing key is refused with 401 in the caller\'s dialect', async () => {
    assertAnthropicAuthError(await http(`${gw.url}/v1/messages`, { body: bodyFor('anthropic'), headers: { 'anthropic-version': ANTHROPIC_VERSION } }));
    assertOpenAIAuthError(await http(`${gw.url}/v1/chat/completions`, { body: bodyFor('openai') }));
    assertOpenAIAuthError(await http(`${gw.url}/v1/chat/completions`, { body: bodyFor('openai'), headers: { authorization: 'Bearer ' } }));
    assertOpenAIAuthError(await http(`${gw.url}/v1/chat/completions`, { body: bodyFor('openai'), headers: { 'x-api-key': '' } }));
    // GET /v1/models needs a key too; its dialect follows anthropic-version.
    assertOpenAIAuthError(await http(`${gw.url}/v1/models`));
    assertAnthropicAuthError(await http(`${gw.url}/v1/models`, { headers: { 'anthropic-version': ANTHROPIC_VERSION } }));
  });

  test('a refused request keeps the connection usable (raw keep-alive)', async () => {
    // Two requests pipelined on one connection: the first refused, the second accepted.
    const path = endpointFor('openai');
    const first = rawPost(gw.url, path, bodyFor('openai'), { Connection: 'keep-alive', 'x-api-key': 'bad' });
    const second = rawPost(gw.url, path, bodyFor('openai'), { 'x-api-key': ALICE });
    const res = await rawRequest(gw.url, [first, second], { idleMs: 3000, waitClose: true });
    assert.equal(res.status, 401, res.raw);
    assert.match(res.raw, /HTTP\/1\.1 401[\s\S]*HTTP\/1\.1 200/, res.raw);
  });

  test('/healthz, /readyz and /metrics are open without a key', async () => {
    const h = await http(`${gw.url}/healthz`);
    assert.equal(h.status, 200, h.text);
    const r = await http(`${gw.url}/readyz`);
    assert.equal(r.status, 200, r.text);
    const m = await http(`${gw.url}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.text, /spillway_requests_total \d+/);
  });
});

test('auth: none accepts requests without a key, and with any key', async (t) => {
  const mock = await startMock(t, 'openai');
  const gw = await startGateway(t, { auth: 'none', upstreams: [upstreamFor('o', mock, 'openai')] });
  for (const headers of [{}, { authorization: 'Bearer whatever' }, { 'x-api-key': 'anything' }]) {
    const res = await http(`${gw.url}/v1/chat/completions`, { body: bodyFor('openai'), headers });
    assert.equal(res.status, 200, res.text);
  }
});

test('no auth key on a loopback listener behaves as auth: none', async (t) => {
  const mock = await startMock(t, 'anthropic');
  const gw = await startGateway(t, `threads: 1\nupstreams:\n  - name: a\n    kind: anthropic\n    base_url: ${mock.url}\n`);
  const res = await http(`${gw.url}/v1/messages`, { body: bodyFor('anthropic'), headers: { 'anthropic-version': ANTHROPIC_VERSION } });
  assert.equal(res.status, 200, res.text);
});
