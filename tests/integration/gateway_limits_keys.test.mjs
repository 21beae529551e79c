// Issue 4 on loopback: an upstream with a pool of API keys. The upstream is an in-process server
// that sees which key each request carries, so the choice of key is read where it lands.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { http, stopProcessesAfter } from './lib/harness.mjs';
import { dialectHeaders, endpointFor, startGateway } from './lib/gateway.mjs';
import {
  adminLimits, errorAnswer, okAnswer, startScriptedUpstream, taggedBody, upstreamLimits,
} from './lib/limits.mjs';

stopProcessesAfter();

const KEYS = { POOL_KEY_A: 'sk-test-pool-key-a-0123456789', POOL_KEY_B: 'sk-test-pool-key-b-9876543210' };
const ENV_OF = Object.fromEntries(Object.entries(KEYS).map(([env, key]) => [key, env]));

function send(gwUrl, tag, { headers = {}, pad = 0 } = {}) {
  return http(`${gwUrl}${endpointFor('anthropic')}`, {
    body: taggedBody('anthropic', tag, pad ? { messages: [{ role: 'user', content: `tag ${tag} ${'x'.repeat(pad)}` }] } : {}),
    headers: { ...dialectHeaders('anthropic'), ...headers },
  });
}

function poolGateway(t, upstream, extra = {}) {
  return startGateway(t, {
    upstreams: [{
      name: 'pool', kind: 'anthropic', base_url: upstream.url, api_key_env: Object.keys(KEYS), ...extra,
    }],
    routes: [{ match: { model: '*' }, to: ['pool'], max_wait: '20s' }],
  }, { env: KEYS });
}

// The admin entry of the key that came from env var NAME.
function keyEntry(upstreamEntry, envName) {
  const k = upstreamEntry.keys.find((x) => x.source === `env ${envName}`);
  assert.ok(k, `no key from ${envName} in ${JSON.stringify(upstreamEntry.keys.map((x) => x.source))}`);
  return k;
}

describe('a key pool', () => {
  // itpm 12000 per key and requests that cost 2000 input tokens each (about 1800 estimated):
  // six fill a key, and a key refills 200 tokens a second, far slower than the requests come.
  const PAD = 7000;

  test('load spreads across the keys by headroom; a session sticks to its key until the key cannot admit it', async (t) => {
    const upstream = await startScriptedUpstream(t, 'anthropic', () => okAnswer('anthropic', { inputTokens: 2000 }));
    const gw = await poolGateway(t, upstream, { limits: { itpm: 12000 } });
    const keyOfLast = () => upstream.requests[upstream.requests.length - 1].key;

    // No session: each request goes to the key with most input headroom left, so they alternate.
    const spread = [];
    for (let i = 0; i < 6; i++) {
      const r = await send(gw.url, `spread${i}`, { pad: PAD });
      assert.equal(r.status, 200, r.text);
      spread.push(keyOfLast());
    }
    assert.ok(spread.every((k) => k in ENV_OF), 'every request carried a pool key');
    for (let i = 1; i < spread.length; i++) {
      assert.notEqual(spread[i], spread[i - 1], `by headroom, keys alternate: ${spread.map((k) => ENV_OF[k])}`);
    }
    const pool = await upstreamLimits(gw.url, 'pool');
    assert.equal(pool.keys.length, 2);
    for (const env of Object.keys(KEYS)) {
      assert.equal(keyEntry(pool, env).admitted, 3);
    }

    // A session stays on its key although the other has more headroom...
    const session = { 'x-spillway-session': 'session-1' };
    const first = await send(gw.url, 's0', { pad: PAD, headers: session });
    assert.equal(first.status, 200, first.text);
    const stuck = keyOfLast();
    for (let i = 1; i <= 2; i++) {
      const r = await send(gw.url, `s${i}`, { pad: PAD, headers: session });
      assert.equal(r.status, 200, r.text);
      assert.equal(ENV_OF[keyOfLast()], ENV_OF[stuck], `session request ${i} stays on its key`);
    }
    // ...until that key is full (6 x 2000 = its 12000): then it moves, and sticks to the new key.
    const moved = await send(gw.url, 's3', { pad: PAD, headers: session });
    assert.equal(moved.status, 200, moved.text);
    assert.notEqual(ENV_OF[keyOfLast()], ENV_OF[stuck], 'the session moves once its key cannot admit it');
    assert.equal(moved.headers.get('x-spillway-queued-ms'), '0', 'moved rather than waiting for its key');
    const newKey = keyOfLast();
    const again = await send(gw.url, 's4', { pad: PAD, headers: session });
    assert.equal(again.status, 200, again.text);
    assert.equal(ENV_OF[keyOfLast()], ENV_OF[newKey]);

    // The admin view names keys by where they came from, never by value.
    const text = JSON.stringify(await adminLimits(gw.url));
    for (const key of Object.values(KEYS)) {
      assert.ok(!text.includes(key), 'a key leaked into /admin/limits');
    }
  });
});

describe('credit exhaustion', () => {
  // The first key the gateway tries is out of credit; the other is fine.
  function exhaustedFirstKey(t, answerExhausted) {
    const state = { exhausted: null };
    return startScriptedUpstream(t, 'anthropic', (rec) => {
      state.exhausted = state.exhausted || rec.key;
      return rec.key === state.exhausted ? answerExhausted() : okAnswer('anthropic');
    }).then((upstream) => ({ upstream, state }));
  }

  test('a 402 cools its key for long: later requests go to the other key; /admin/limits says why', async (t) => {
    const { upstream, state } = await exhaustedFirstKey(t, () =>
      errorAnswer('anthropic', 402, { type: 'billing_error', message: 'Your credit balance is too low' }));
    const gw = await poolGateway(t, upstream);

    const first = await send(gw.url, 'first');
    // Relayed as it came (402 is not one of the statuses retried elsewhere); the key is what matters.
    assert.ok([200, 402].includes(first.status), `${first.status} ${first.text}`);
    const exhaustedEnv = ENV_OF[state.exhausted];
    const otherEnv = Object.keys(KEYS).find((e) => e !== exhaustedEnv);

    const seenBefore = upstream.requests.length;
    for (let i = 0; i < 4; i++) {
      const r = await send(gw.url, `after${i}`);
      assert.equal(r.status, 200, r.text);
    }
    const later = upstream.requests.slice(seenBefore).map((r) => ENV_OF[r.key]);
    assert.deepEqual(later, Array(4).fill(otherEnv), 'the exhausted key is not tried again');

    const key = keyEntry(await upstreamLimits(gw.url, 'pool'), exhaustedEnv);
    // Far longer than a rate limit's cool-down (a minute at most).
    assert.ok(key.cooling_ms > 60_000, JSON.stringify(key));
    assert.match(key.cooling_reason, /402/);
    assert.equal(keyEntry(await upstreamLimits(gw.url, 'pool'), otherEnv).cooling_ms, undefined);
  });

  test('Anthropic\'s 400 "credit balance is too low" cools its key for long like a 402', async (t) => {
    const { upstream, state } = await exhaustedFirstKey(t, () => errorAnswer('anthropic', 400, {
      type: 'invalid_request_error',
      message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
    }));
    const gw = await poolGateway(t, upstream);
    await send(gw.url, 'first');
    const exhaustedEnv = ENV_OF[state.exhausted];
    const seenBefore = upstream.requests.length;
    for (let i = 0; i < 2; i++) {
      const r = await send(gw.url, `after${i}`);
      assert.equal(r.status, 200, r.text);
    }
    assert.ok(upstream.requests.slice(seenBefore).every((r) => r.key !== state.exhausted), 'the exhausted key is not tried again');
    const key = keyEntry(await upstreamLimits(gw.url, 'pool'), exhaustedEnv);
    assert.ok(key.cooling_ms > 60_000, JSON.stringify(key));
  });

  test('a 429 with x-should-retry: false is retried on the other key at once and cools its key for long, whatever its retry-after', async (t) => {
    const { upstream, state } = await exhaustedFirstKey(t, () =>
      errorAnswer('anthropic', 429, {
        message: 'quota exceeded', headers: { 'x-should-retry': 'false', 'retry-after': '1' },
      }));
    const gw = await poolGateway(t, upstream);

    const r = await send(gw.url, 'first');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-spillway-attempts'), '2');
    assert.equal(r.headers.get('x-spillway-queued-ms'), '0');
    const keys = upstream.requests.map((x) => x.key);
    assert.equal(keys.length, 2);
    assert.equal(keys[0], state.exhausted);
    assert.notEqual(keys[1], state.exhausted);

    const key = keyEntry(await upstreamLimits(gw.url, 'pool'), ENV_OF[state.exhausted]);
    assert.ok(key.cooling_ms > 60_000, `cooled for long, not for the 1 s retry-after: ${JSON.stringify(key)}`);
    assert.match(key.cooling_reason, /credit|quota/);
  });

  test('a plain 429 cools its key only for its retry-after: the pool\'s other key takes the retry', async (t) => {
    const { upstream, state } = await exhaustedFirstKey(t, () =>
      errorAnswer('anthropic', 429, { message: 'rate limited', headers: { 'retry-after': '20' } }));
    const gw = await poolGateway(t, upstream);

    const r = await send(gw.url, 'first');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-spillway-attempts'), '2');
    assert.notEqual(upstream.requests[1].key, state.exhausted);
    const key = keyEntry(await upstreamLimits(gw.url, 'pool'), ENV_OF[state.exhausted]);
    assert.ok(key.cooling_ms > 0 && key.cooling_ms <= 20_000, JSON.stringify(key));
    assert.equal(key.upstream_429s, 1);
  });
});
