// Issue 4 on loopback: failures that still happen are retried before the client sees a byte.
// A 429 is retried after its retry-after in full (measured where the requests land, at the
// upstream); a 5xx goes to the next candidate of the chain at once.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { http, sseEvents, stopProcessesAfter } from './lib/harness.mjs';
import { dialectHeaders, endpointFor, metrics, startGateway } from './lib/gateway.mjs';
import { errorAnswer, okAnswer, startScriptedUpstream, taggedBody, upstreamLimits } from './lib/limits.mjs';

stopProcessesAfter();

const DIALECTS = ['anthropic', 'openai'];

function send(gwUrl, dialect, tag) {
  return http(`${gwUrl}${endpointFor(dialect)}`, {
    body: taggedBody(dialect, tag),
    headers: dialectHeaders(dialect),
  });
}

describe('transparent retry before the first byte', () => {
  for (const dialect of DIALECTS) {
    test(`${dialect}: a 429 with retry-after: 1 on the only upstream is retried after the full second`, async (t) => {
      const upstream = await startScriptedUpstream(t, dialect, (rec) => (rec.index === 0
        ? errorAnswer(dialect, 429, { headers: { 'retry-after': '1' } })
        : okAnswer(dialect)));
      const gw = await startGateway(t, {
        upstreams: [{ name: 'only', kind: dialect, base_url: upstream.url }],
        routes: [{ match: { model: '*' }, to: ['only'], max_wait: '10s' }],
      });
      const r = await send(gw.url, dialect, 'once');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('x-spillway-attempts'), '2');
      assert.equal(r.headers.get('x-spillway-upstream'), 'only');
      assert.equal(upstream.requests.length, 2);
      // Honoured in full, not a fraction of it: the second attempt landed a second after the
      // first (the cool-down starts when the 429 reaches the gateway, later still). 5 ms: clock
      // granularity between the two processes' timers.
      const gap = upstream.requests[1].at - upstream.requests[0].at;
      assert.ok(gap >= 1000 - 5, `second attempt ${gap.toFixed(1)} ms after the first`);
      assert.ok(Number(r.headers.get('x-spillway-queued-ms')) >= 500, `it waited in the queue for the cool-down: queued ${r.headers.get('x-spillway-queued-ms')} ms`);
      const m = await metrics(gw.url);
      assert.equal(m['spillway_upstream_429s_total{upstream="only"}'], 1);
      assert.equal((await upstreamLimits(gw.url, 'only')).keys[0].upstream_429s, 1);
    });
  }

  test('anthropic stream: a 429 before the first byte is retried and the client gets one whole stream', async (t) => {
    const events = [
      ['message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm',
        content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 0 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } }],
      ['message_stop', { type: 'message_stop' }],
    ];
    const sse = events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
    const upstream = await startScriptedUpstream(t, 'anthropic', (rec) => (rec.index === 0
      ? errorAnswer('anthropic', 429, { headers: { 'retry-after': '1' } })
      : { status: 200, headers: { 'content-type': 'text/event-stream' }, body: sse }));
    const gw = await startGateway(t, {
      upstreams: [{ name: 'only', kind: 'anthropic', base_url: upstream.url }],
      routes: [{ match: { model: '*' }, to: ['only'], max_wait: '10s' }],
    });
    const r = await http(`${gw.url}/v1/messages`, {
      body: taggedBody('anthropic', 'stream', { stream: true }), headers: dialectHeaders('anthropic'),
    });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /text\/event-stream/);
    assert.equal(r.headers.get('x-spillway-attempts'), '2');
    const names = sseEvents(r.text).map((e) => e.event);
    assert.deepEqual(names, events.map(([name]) => name), 'exactly the second attempt\'s stream, nothing of the first');
    assert.equal(upstream.requests.length, 2);
    assert.ok(upstream.requests[1].at - upstream.requests[0].at >= 1000 - 5);
  });

  test('a 429 whose retry-after passes the route\'s max_wait is answered, once max_wait is up, as a 429 with the true retry-after', async (t) => {
    const upstream = await startScriptedUpstream(t, 'anthropic',
      () => errorAnswer('anthropic', 429, { headers: { 'retry-after': '30' } }));
    const gw = await startGateway(t, {
      upstreams: [{ name: 'only', kind: 'anthropic', base_url: upstream.url }],
      routes: [{ match: { model: '*' }, to: ['only'], max_wait: '1s' }],
    });
    const r = await send(gw.url, 'anthropic', 'once');
    assert.equal(r.status, 429, r.text);
    assert.equal(r.json().error.type, 'rate_limit_error');
    const retryAfter = Number(r.headers.get('retry-after'));
    // The key cools for 30 s: a truthful retry-after says about that, not "1".
    assert.ok(retryAfter >= 28 && retryAfter <= 30, `retry-after ${r.headers.get('retry-after')}`);
    assert.equal(upstream.requests.length, 1, 'not sent again into the cool-down');
  });

  for (const status of [500, 503, 529]) {
    test(`a ${status} goes to the next candidate at once`, async (t) => {
      const failing = await startScriptedUpstream(t, 'anthropic',
        () => errorAnswer('anthropic', status, { type: status === 529 ? 'overloaded_error' : 'api_error' }));
      const healthy = await startScriptedUpstream(t, 'anthropic', () => okAnswer('anthropic'));
      const gw = await startGateway(t, {
        upstreams: [
          { name: 'first', kind: 'anthropic', base_url: failing.url },
          { name: 'second', kind: 'anthropic', base_url: healthy.url },
        ],
        routes: [{ match: { model: '*' }, to: ['first', 'second'], max_wait: '10s' }],
      });
      const r = await send(gw.url, 'anthropic', 'x');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('x-spillway-upstream'), 'second');
      assert.equal(r.headers.get('x-spillway-attempts'), '2');
      assert.equal(r.headers.get('x-spillway-queued-ms'), '0', 'no wait before the next candidate');
      assert.equal(failing.requests.length, 1);
      assert.equal(healthy.requests.length, 1);
    });
  }

  test('a 429 on the first candidate sends the retry to the next one at once, and later requests skip the cooling one', async (t) => {
    const limited = await startScriptedUpstream(t, 'anthropic',
      () => errorAnswer('anthropic', 429, { headers: { 'retry-after': '30' } }));
    const healthy = await startScriptedUpstream(t, 'anthropic', () => okAnswer('anthropic'));
    const gw = await startGateway(t, {
      upstreams: [
        { name: 'first', kind: 'anthropic', base_url: limited.url },
        { name: 'second', kind: 'anthropic', base_url: healthy.url },
      ],
      routes: [{ match: { model: '*' }, to: ['first', 'second'], max_wait: '10s' }],
    });
    const r = await send(gw.url, 'anthropic', 'x');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-spillway-upstream'), 'second');
    assert.equal(r.headers.get('x-spillway-attempts'), '2');
    assert.equal(r.headers.get('x-spillway-queued-ms'), '0');
    for (let i = 0; i < 3; i++) {
      const again = await send(gw.url, 'anthropic', `again${i}`);
      assert.equal(again.status, 200, again.text);
      assert.equal(again.headers.get('x-spillway-attempts'), '1');
    }
    assert.equal(limited.requests.length, 1, 'the cooling upstream is not tried again');
    const key = (await upstreamLimits(gw.url, 'first')).keys[0];
    assert.ok(key.cooling_ms > 0 && key.cooling_ms <= 30_000, JSON.stringify(key));
  });
});
