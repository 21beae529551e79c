// Issue 4 on loopback: spillway's rate model against the mock provider's real buckets. Limits
// learnt from the provider's headers, declared limits that keep a burst clear of 429s, a chain
// that overflows to the local tier, and a deadline that ends in one honest 429.
// Limits are small (a few requests per minute) so every wait here lasts a second or two.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { http, stopProcessesAfter } from './lib/harness.mjs';
import {
  bodyFor, dialectHeaders, endpointFor, errorMessage, metrics, startGateway, startMock, upstreamFor,
} from './lib/gateway.mjs';
import { upstreamLimits } from './lib/limits.mjs';

stopProcessesAfter();

const DIALECTS = ['anthropic', 'openai'];

function post(gwUrl, dialect, extra = {}, headers = {}) {
  return http(`${gwUrl}${endpointFor(dialect)}`, {
    body: bodyFor(dialect, extra),
    headers: { ...dialectHeaders(dialect), ...headers },
  });
}

async function mockStats(mock) {
  const res = await http(`${mock.url}/mock/stats`);
  assert.equal(res.status, 200, res.text);
  return res.json();
}

const availableMetric = (upstream, kind) => `spillway_upstream_available{upstream="${upstream}",key="0",kind="${kind}"}`;

describe('limits learnt from the provider headers', () => {
  for (const dialect of DIALECTS) {
    test(`${dialect}: no declared limits: slow start until the first response, then the mock's limits`, async (t) => {
      const mock = await startMock(t, dialect, ['--rpm', '600', '--itpm', '100000', '--otpm', '20000']);
      const gw = await startGateway(t, { upstreams: [upstreamFor('mock', mock, dialect)] });

      const before = (await upstreamLimits(gw.url, 'mock')).keys[0];
      assert.deepEqual(before.declared, { rpm: 0, itpm: 0, otpm: 0, tpm: 0, max_concurrency: 0 });
      assert.deepEqual(before.learnt, { rpm: 0, itpm: 0, otpm: 0, tpm: 0, max_concurrency: 0 });
      assert.deepEqual(before.effective, { rpm: 0, itpm: 0, otpm: 0, tpm: 0, max_concurrency: 0 });
      assert.ok(before.slow_start_window > 0, `slow start expected before learning: ${JSON.stringify(before)}`);
      assert.equal((await metrics(gw.url))[availableMetric('mock', 'requests')], -1);

      const res = await post(gw.url, dialect);
      assert.equal(res.status, 200, res.text);

      const after = (await upstreamLimits(gw.url, 'mock')).keys[0];
      assert.equal(after.slow_start_window, 0, `slow start should end once limits are known: ${JSON.stringify(after)}`);
      assert.equal(after.learnt.rpm, 600);
      assert.equal(after.effective.rpm, 600);
      // The mock's combined figure is input + output limits.
      assert.equal(after.learnt.tpm, 120000);
      if (dialect === 'anthropic') {
        assert.equal(after.learnt.itpm, 100000);
        assert.equal(after.learnt.otpm, 20000);
        assert.equal(after.effective.itpm, 100000);
        assert.equal(after.effective.otpm, 20000);
      } else {
        // OpenAI's headers carry requests and combined tokens only.
        assert.equal(after.effective.tpm, 120000);
      }
      assert.deepEqual(after.declared, before.declared);
      // One request was spent: the model's bucket is below the limit (the mock said 599 left).
      assert.ok(after.available.requests < 600, JSON.stringify(after.available));
      const m = await metrics(gw.url);
      assert.ok(m[availableMetric('mock', 'requests')] >= 0, 'requests headroom exported once the limit is known');
      assert.equal(m['spillway_upstream_limit{upstream="mock",key="0",kind="rpm",source="learnt"}'], 600);
    });
  }
});

describe('declared limits', () => {
  const R = 120;  // per minute: two a second come back
  const BURST = R + 6;

  test(`a burst of ${BURST} against declared rpm ${R}: the mock never answers 429, the extra requests wait`, async (t) => {
    // Control: the same burst straight at a mock with the same limit earns 429s.
    const direct = await startMock(t, 'anthropic', ['--rpm', String(R)]);
    const directResults = await Promise.all(Array.from({ length: BURST }, () =>
      http(`${direct.url}/v1/messages`, { body: bodyFor('anthropic'), headers: dialectHeaders('anthropic') })));
    assert.ok(directResults.some((r) => r.status === 429), 'the burst exceeds the mock\'s limit when sent directly');

    const mock = await startMock(t, 'anthropic', ['--rpm', String(R)]);
    const gw = await startGateway(t, {
      upstreams: [upstreamFor('premium', mock, 'anthropic', { limits: { rpm: R } })],
      routes: [{ match: { model: '*' }, to: ['premium'], max_wait: '20s' }],
    });
    const results = await Promise.all(Array.from({ length: BURST }, () => post(gw.url, 'anthropic')));
    for (const r of results) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('x-spillway-attempts'), '1');
      assert.equal(r.headers.get('x-spillway-upstream'), 'premium');
    }
    const queued = results.map((r) => Number(r.headers.get('x-spillway-queued-ms')));
    assert.ok(queued.every((ms) => Number.isInteger(ms) && ms >= 0 && ms <= 20_000), queued.join(','));
    assert.ok(queued.filter((ms) => ms > 0).length >= 1, `some requests should have waited: ${queued.join(',')}`);

    const stats = await mockStats(mock);
    assert.equal(stats.rate_limited, 0, JSON.stringify(stats));
    assert.equal(stats.requests, BURST);
    const m = await metrics(gw.url);
    assert.equal(m['spillway_upstream_429s_total{upstream="premium"}'], 0);
    assert.ok(m.spillway_queued_total >= 1, `spillway_queued_total ${m.spillway_queued_total}`);
    assert.equal(m.spillway_queue_timeouts_total, 0);
    const admin = await upstreamLimits(gw.url, 'premium');
    assert.equal(admin.keys[0].declared.rpm, R);
    assert.equal(admin.keys[0].effective.rpm, R);
    assert.equal(admin.received_429s, 0);
  });
});

describe('a chain with an overflow tier', () => {
  test('requests the premium upstream cannot take before max_wait go to the local tier at once', async (t) => {
    const premium = await startMock(t, 'anthropic', ['--rpm', '2']);
    const local = await startMock(t, 'openai');
    const gw = await startGateway(t, {
      upstreams: [
        upstreamFor('premium', premium, 'anthropic', { limits: { rpm: 2 } }),
        upstreamFor('local', local, 'openai'),
      ],
      routes: [{
        match: { model: 'claude-*' }, to: ['premium'], overflow: [{ upstream: 'local', model: 'qwen-local' }],
        max_wait: '2s',
      }],
    });
    // rpm 2: two requests now, the third in 30 s, far past max_wait.
    const results = await Promise.all(Array.from({ length: 6 }, () => post(gw.url, 'anthropic')));
    for (const r of results) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().type, 'message', 'answered in the client\'s dialect');
    }
    const by = (name) => results.filter((r) => r.headers.get('x-spillway-upstream') === name);
    assert.equal(by('premium').length, 2);
    assert.equal(by('local').length, 4);
    for (const r of by('local')) {
      // Sent to the overflow tier when first looked at, not after waiting out max_wait.
      assert.equal(r.headers.get('x-spillway-queued-ms'), '0');
      assert.equal(r.headers.get('x-spillway-attempts'), '1');
    }
    assert.equal((await mockStats(premium)).rate_limited, 0);
    assert.equal((await mockStats(local)).requests, 4);
    const m = await metrics(gw.url);
    assert.equal(m.spillway_overflowed_total, 4);
    assert.equal(m['spillway_upstream_429s_total{upstream="premium"}'], 0);
    assert.equal(m.spillway_queue_timeouts_total, 0);
  });

  test('a request the premium upstream can take before max_wait waits for it instead of overflowing', async (t) => {
    const premium = await startMock(t, 'anthropic', ['--rpm', '60']);
    const local = await startMock(t, 'openai');
    const gw = await startGateway(t, {
      upstreams: [
        upstreamFor('premium', premium, 'anthropic', { limits: { rpm: 60 } }),
        upstreamFor('local', local, 'openai'),
      ],
      routes: [{
        match: { model: 'claude-*' }, to: ['premium'], overflow: [{ upstream: 'local', model: 'qwen-local' }],
        max_wait: '20s',
      }],
    });
    // rpm 60: a burst of 60, then one a second; the 61st fits well inside max_wait.
    const results = await Promise.all(Array.from({ length: 61 }, () => post(gw.url, 'anthropic')));
    for (const r of results) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('x-spillway-upstream'), 'premium');
    }
    assert.ok(results.some((r) => Number(r.headers.get('x-spillway-queued-ms')) > 0));
    assert.equal((await mockStats(local)).requests, 0);
    assert.equal((await mockStats(premium)).rate_limited, 0);
    assert.equal((await metrics(gw.url)).spillway_overflowed_total, 0);
  });

  test('spillway_upstream_429s_avoided_total counts requests sent to the overflow tier', async (t) => {
    const premium = await startMock(t, 'anthropic');
    const local = await startMock(t, 'openai');
    const gw = await startGateway(t, {
      upstreams: [
        upstreamFor('premium', premium, 'anthropic', { limits: { rpm: 1 } }),
        upstreamFor('local', local, 'openai'),
      ],
      routes: [{ match: { model: '*' }, to: ['premium'], overflow: ['local'], max_wait: '1s' }],
    });
    const results = await Promise.all(Array.from({ length: 3 }, () => post(gw.url, 'anthropic')));
    assert.equal(results.filter((r) => r.headers.get('x-spillway-upstream') === 'local').length, 2);
    // The metric's help: "Requests held back (queued or sent elsewhere) because an upstream's
    // buckets could not take them".
    assert.equal((await metrics(gw.url))['spillway_upstream_429s_avoided_total{upstream="premium"}'], 2);
  });
});

describe('deadline expiry', () => {
  // rpm 12: one request comes back every 5 s, so a request refused after max_wait 1s is told 4 s.
  const RPM = 12;

  async function scenario(gw, mock, dialect) {
    const drained = await Promise.all(Array.from({ length: RPM }, () => post(gw.url, dialect)));
    assert.deepEqual(drained.map((r) => r.status), Array(RPM).fill(200));

    const refused = await post(gw.url, dialect);
    const refusedAt = performance.now();
    assert.equal(refused.status, 429, refused.text);
    const message = errorMessage(dialect, refused.json());  // the client's dialect
    if (dialect === 'anthropic') {
      assert.equal(refused.json().error.type, 'rate_limit_error');
    }
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60 / RPM,
      `retry-after ${refused.headers.get('retry-after')} for a bucket that gives one request back every ${60 / RPM} s`);
    assert.match(message, new RegExp(`${retryAfter} s`));

    // Asking again long before then is refused again, and told a time no later.
    const early = await post(gw.url, dialect);
    assert.equal(early.status, 429, early.text);
    const earlyRetry = Number(early.headers.get('retry-after'));
    assert.ok(earlyRetry >= 1 && earlyRetry <= retryAfter, `retry-after ${earlyRetry} after ${retryAfter}`);

    // A client that does as it was told gets in without waiting: the capacity is there.
    const wait = refusedAt + retryAfter * 1000 - performance.now();
    await new Promise((resolve) => { setTimeout(resolve, Math.max(0, wait)); });
    const honest = await post(gw.url, dialect);
    assert.equal(honest.status, 200, honest.text);
    assert.equal(honest.headers.get('x-spillway-queued-ms'), '0');

    // The refused requests never reached the upstream.
    assert.equal((await mockStats(mock)).requests, RPM + 1);
  }

  test('no overflow: a request that cannot fit within max_wait gets one 429 with a truthful retry-after (both dialects)', async (t) => {
    const ant = await startMock(t, 'anthropic');
    const oai = await startMock(t, 'openai');
    const gw = await startGateway(t, {
      upstreams: [
        upstreamFor('ant', ant, 'anthropic', { limits: { rpm: RPM } }),
        upstreamFor('oai', oai, 'openai', { limits: { rpm: RPM } }),
      ],
      routes: [
        { match: { model: 'claude-*' }, to: ['ant'], max_wait: '1s' },
        { match: { model: 'gpt-*' }, to: ['oai'], max_wait: '1s' },
      ],
    });
    await Promise.all([scenario(gw, ant, 'anthropic'), scenario(gw, oai, 'openai')]);
    const m = await metrics(gw.url);
    assert.equal(m.spillway_queue_timeouts_total, 4);
    assert.equal(m['spillway_upstream_429s_total{upstream="ant"}'], 0);
    assert.equal(m['spillway_upstream_429s_total{upstream="oai"}'], 0);
  });
});
