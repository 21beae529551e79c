// Keep-alive pings (limits.stream_ping_ms) while an upstream is silent in the middle of a stream
// or before its first token: Anthropic clients get `event: ping`, OpenAI clients an SSE comment,
// only between whole events, on same-dialect and translated routes alike; the stream itself
// arrives whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sseEvents } from './lib/harness.mjs';
import {
  bodyFor, dialectHeaders, endpointFor, metrics, rawPost, rawRequest, startGateway, startMock, upstreamFor,
} from './lib/gateway.mjs';

const REPLY = 'one two three four';
// The Anthropic mock, like Anthropic, sends one ping of its own after message_start; it reaches
// the client too (as a comment for OpenAI clients).
const UPSTREAM_PINGS = { anthropic: 1, openai: 0 };

// Streams REPLY through `client` -> gateway -> `upstream` mock; the mock pauses as `pause`
// says. Resolves the raw response, its events and the gateway's ping counter.
async function quietStream(t, { client, upstream, pingMs, pause }) {
  const mockArgs = ['--reply', REPLY];
  const headers = { ...dialectHeaders(client) };
  if (pause === 'before-first-token') {
    mockArgs.push('--ttft-ms', '600');  // response headers at once, the first token after 600 ms
  } else {
    headers['x-mock-stall-ms'] = '600';  // silence right after the first token
  }
  const mock = await startMock(t, upstream, mockArgs);
  const gw = await startGateway(t, {
    limits: { stream_ping_ms: pingMs },
    upstreams: [upstreamFor('mock', mock, upstream)],
  });
  const path = endpointFor(client);
  const res = await rawRequest(gw.url, rawPost(gw.url, path, bodyFor(client, { stream: true }), headers),
    { idleMs: 5000 });
  assert.equal(res.status, 200, res.raw);
  assert.ok(res.complete, 'the chunked body ended with its last chunk');
  const m = await metrics(gw.url);
  return { body: res.body, events: sseEvents(res.body), pings: m.spillway_stream_pings_sent_total };
}

function textOf(client, events) {
  let text = '';
  for (const e of events) {
    if (e.data === '[DONE]' || e.event === 'ping') continue;
    const d = JSON.parse(e.data);
    if (client === 'anthropic' && d.type === 'content_block_delta') text += d.delta.text;
    if (client === 'openai') text += d.choices?.[0]?.delta?.content ?? '';
  }
  return text;
}

for (const client of ['anthropic', 'openai']) {
  for (const upstream of ['anthropic', 'openai']) {
    for (const pause of ['after-first-token', 'before-first-token']) {
      test(`${client} client, ${upstream} upstream, silent ${pause}: pings, then the whole stream`, async (t) => {
        const { body, events, pings } = await quietStream(t, { client, upstream, pingMs: 100, pause });
        assert.ok(pings >= 1, `pings sent: ${pings}`);
        if (client === 'anthropic') {
          const seen = events.filter((e) => e.event === 'ping');
          assert.equal(seen.length, pings + UPSTREAM_PINGS[upstream], body);
          for (const p of seen) assert.deepEqual(JSON.parse(p.data), { type: 'ping' });
          assert.equal(events.at(-1).event, 'message_stop', body);
          // Every frame is a whole event: each parses as JSON with a type naming its event.
          for (const e of events) assert.equal(JSON.parse(e.data).type, e.event, body);
        } else {
          const comments = body.split(/\n/).filter((line) => line === ': ping');
          assert.equal(comments.length, pings + UPSTREAM_PINGS[upstream], body);
          assert.equal(events.at(-1).data, '[DONE]', body);
        }
        assert.equal(textOf(client, events).trim(), REPLY);
      });
    }
  }
}

test('stream_ping_ms: 0 sends no pings however long the silence', async (t) => {
  const { body, events, pings } = await quietStream(t, {
    client: 'anthropic', upstream: 'openai', pingMs: 0, pause: 'after-first-token',
  });
  assert.equal(pings, 0);
  assert.ok(!events.some((e) => e.event === 'ping'), body);
  assert.equal(textOf('anthropic', events).trim(), REPLY);
});

test('stream_ping_ms below the watchdog tick is refused at start-up', async (t) => {
  const mock = await startMock(t, 'openai');
  await assert.rejects(
    startGateway(t, { limits: { stream_ping_ms: 10 }, upstreams: [upstreamFor('mock', mock, 'openai')] }),
    /stream_ping_ms must be 0 \(off\) or at least 50/);
});
