// `timeouts.total_ms` bounds a whole exchange even while the upstream keeps sending: a slow
// stream is cut with an error event in the client's dialect, never left to run on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sseEvents } from './lib/harness.mjs';
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
