// Timeouts that the other suites do not reach: `connect_ms` (which covers the TLS handshake)
// and `total_ms`, which bounds a whole exchange even while the upstream keeps sending.
import { createServer } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { http, sseEvents } from './lib/harness.mjs';
import {
  bodyFor, dialectHeaders, endpointFor, metrics, rawPost, rawRequest, startGateway, startMock, upstreamFor,
} from './lib/gateway.mjs';

const LONG_REPLY = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

for (const dialect of ['anthropic', 'openai']) {
  test(`${dialect}: a stream still flowing at total_ms ends with a timeout error event`, async (t) => {
    // 40 tokens at 10/s take 4 s; each gap (100 ms) is far below between_events_ms.
    const mock = await startMock(t, dialect, ['--tokens-per-s', '10', '--reply', LONG_REPLY]);
    const gw = await startGateway(t, {
      upstreams: [upstreamFor('slow', mock, dialect, { timeouts: { total_ms: 500, between_events_ms: 5000 } })],
    });
    const path = endpointFor(dialect);
    const res = await rawRequest(gw.url, rawPost(gw.url, path, bodyFor(dialect, { stream: true }), dialectHeaders(dialect)),
      { idleMs: 6000, waitClose: true });
    assert.equal(res.status, 200, res.raw);
    const events = sseEvents(res.body);
    const last = events.at(-1);
    const error = JSON.parse(last.data);
    if (dialect === 'anthropic') {
      assert.equal(last.event, 'error');
      assert.equal(error.error.type, 'timeout_error');
      assert.ok(!events.some((e) => e.event === 'message_stop'));
    } else {
      assert.match(error.error.message, /timed out/);
      assert.ok(!events.some((e) => e.data === '[DONE]'));
    }
    // Some tokens got through before the cut: the stream was relayed, then stopped.
    assert.ok(events.length >= 3, res.body);
    const m = await metrics(gw.url);
    assert.equal(m.spillway_streams_broken_total, 1);
  });
}

test('an upstream that accepts but never completes the TLS handshake times out at connect_ms', async (t) => {
  // Accepts TCP connections and never says a word: the handshake cannot finish.
  const held = new Set();
  const silent = createServer((socket) => { held.add(socket); });
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of held) s.destroy();
    return new Promise((resolve) => silent.close(resolve));
  });
  const { port } = silent.address();
  const gw = await startGateway(t, {
    upstreams: [{ name: 'mute', kind: 'openai', base_url: `https://127.0.0.1:${port}/v1`, timeouts: { connect_ms: 300 } }],
  });
  const res = await http(`${gw.url}/v1/chat/completions`, { body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } });
  assert.equal(res.status, 504, res.text);
  assert.match(res.json().error.message, /mute/);
  assert.ok(held.size >= 1, 'the gateway did reach the upstream');
  const m = await metrics(gw.url);
  assert.equal(m.spillway_upstream_timeouts_total, 1);
});
