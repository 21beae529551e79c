// `spillway serve` in front of the real provider simulator: same-dialect passthrough, model
// rewriting by routes, streaming relayed in order and incrementally.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { http, sseEvents, stopProcessesAfter } from './lib/harness.mjs';
import {
  ANTHROPIC_VERSION, arrivalOf, rawPost, rawRequest, bodyFor, cannedReply, dialectHeaders, endpointFor, metrics, startCaptureServer,
  startGateway, startMock, timedFetch, upstreamFor,
} from './lib/gateway.mjs';

stopProcessesAfter();

const REPLY = 'one two three four five six seven eight nine ten';

// A gateway with two routes to one mock: `alias` rewritten to `<real>`, the dialect's
// prefix (claude-* / gpt-*) passed through unchanged.
async function routedGateway(t, dialect, mockArgs = []) {
  const mock = await startMock(t, dialect, ['--reply', REPLY, ...mockArgs]);
  const real = dialect === 'anthropic' ? 'claude-real-1' : 'gpt-real-1';
  const gw = await startGateway(t, {
    upstreams: [upstreamFor('sim', mock, dialect)],
    routes: [
      { match: { model: 'alias' }, to: [{ upstream: 'sim', model: real }] },
      { match: { model: dialect === 'anthropic' ? 'claude-*' : 'gpt-*' }, to: ['sim'] },
    ],
  });
  return { mock, gw, real };
}

function replyText(dialect, json) {
  if (dialect === 'anthropic') {
    return json.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
  }
  return json.choices[0].message.content;
}

for (const dialect of ['anthropic', 'openai']) {
  describe(`${dialect} passthrough`, () => {
    test('JSON: a route rewrites the model; a bare route keeps it', async (t) => {
      const { mock, gw, real } = await routedGateway(t, dialect);
      const path = endpointFor(dialect);
      const headers = dialectHeaders(dialect);

      const aliased = await http(`${gw.url}${path}`, { body: bodyFor(dialect, { model: 'alias' }), headers });
      assert.equal(aliased.status, 200, aliased.text);
      assert.equal(aliased.headers.get('x-mock-received-model'), real);
      assert.equal(aliased.json().model, real, 'the upstream reply is relayed as is');
      assert.equal(replyText(dialect, aliased.json()), REPLY);

      const bare = bodyFor(dialect);
      const kept = await http(`${gw.url}${path}`, { body: bare, headers });
      assert.equal(kept.status, 200, kept.text);
      assert.equal(kept.headers.get('x-mock-received-model'), bare.model);
      assert.equal(kept.json().model, bare.model);

      // The same body sent straight to the mock counts the same input tokens: the gateway
      // forwarded the conversation unchanged.
      const direct = await http(`${mock.url}${path}`, { body: bare, headers });
      assert.equal(direct.status, 200);
      if (dialect === 'anthropic') {
        assert.equal(kept.json().usage.input_tokens, direct.json().usage.input_tokens);
        assert.equal(aliased.json().usage.input_tokens, direct.json().usage.input_tokens);
      } else {
        assert.equal(kept.json().usage.prompt_tokens, direct.json().usage.prompt_tokens);
        assert.equal(aliased.json().usage.prompt_tokens, direct.json().usage.prompt_tokens);
      }
      assert.equal(gw.stderr(), '', 'no error logged for good requests');
    });

    test('body bytes reach the upstream unchanged except the rewritten model value', async (t) => {
      const capture = await startCaptureServer(t, () => ({ body: cannedReply(dialect) }));
      const gw = await startGateway(t, {
        upstreams: [{ name: 'cap', kind: dialect, base_url: dialect === 'openai' ? `${capture.url}/v1` : capture.url }],
        routes: [
          { match: { model: 'alias' }, to: [{ upstream: 'cap', model: 'real-model' }] },
          { match: { model: '*' }, to: ['cap'] },
        ],
      });
      const path = endpointFor(dialect);
      // Odd but valid JSON: spacing, escapes, number spellings, unknown fields, key order.
      const template = (model) => `{ "messages" : [ {"role":"user","content":"caf\\u00e9 \\"quoted\\" \u00fc\\n"} ],\n`
        + `\t"model" :\t${model} , "max_tokens":64, "temperature": 0.50, "x_unknown": [1e3, -0.0, {"a":null}],`
        + ` "metadata": {"user_id": "u-1", "model": "inner-not-touched"} }`;

      const aliasBody = template('"alias"');
      const res1 = await http(`${gw.url}${path}`, { body: aliasBody, headers: { 'content-type': 'application/json', ...dialectHeaders(dialect) } });
      assert.equal(res1.status, 200, res1.text);
      const bareBody = template('"some-model"');
      const res2 = await http(`${gw.url}${path}`, { body: bareBody, headers: { 'content-type': 'application/json', ...dialectHeaders(dialect) } });
      assert.equal(res2.status, 200, res2.text);

      // The model name spelled with an escape is the same name: routed and rewritten too.
      const escaped = template('"al\\u0069as"');
      const res3 = await http(`${gw.url}${path}`, { body: escaped, headers: { 'content-type': 'application/json', ...dialectHeaders(dialect) } });
      assert.equal(res3.status, 200, res3.text);
      assert.equal(capture.requests[2].body.toString('utf8'), template('"real-model"'));
      // Two model keys could make the gateway and the upstream read different names: refused.
      const dup = await http(`${gw.url}${path}`, { body: bareBody.replace('"max_tokens"', '"model": "alias", "max_tokens"'), headers: { 'content-type': 'application/json', ...dialectHeaders(dialect) } });
      assert.equal(dup.status, 400, dup.text);

      assert.equal(capture.requests.length, 3);
      assert.equal(capture.requests[0].url, path);
      assert.equal(capture.requests[0].body.toString('utf8'), template('"real-model"'));
      assert.equal(capture.requests[1].body.toString('utf8'), bareBody);
      assert.equal(Number(capture.requests[1].headers['content-length']), Buffer.byteLength(bareBody));
      // The reply is relayed byte for byte too.
      assert.equal(res2.text, cannedReply(dialect));
    });

    test('streaming: events in order, text intact, the stream ends properly', async (t) => {
      const { gw, real } = await routedGateway(t, dialect);
      const before = await metrics(gw.url);
      const body = bodyFor(dialect, { model: 'alias', stream: true, ...(dialect === 'openai' ? { stream_options: { include_usage: true } } : {}) });
      const res = await timedFetch(`${gw.url}${endpointFor(dialect)}`, { body, headers: dialectHeaders(dialect) });
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type'), /^text\/event-stream/);
      const events = sseEvents(res.text);
      assert.ok(res.text.endsWith('\n\n'), 'the last event is complete');

      if (dialect === 'anthropic') {
        const names = events.map((e) => e.event);
        assert.equal(names[0], 'message_start');
        assert.equal(names.at(-1), 'message_stop');
        assert.equal(names.at(-2), 'message_delta');
        assert.ok(names.indexOf('content_block_start') < names.indexOf('content_block_delta'));
        assert.ok(names.lastIndexOf('content_block_delta') < names.indexOf('content_block_stop'));
        const start = JSON.parse(events[0].data);
        assert.equal(start.message.model, real);
        const text = events.filter((e) => e.event === 'content_block_delta')
          .map((e) => JSON.parse(e.data).delta.text).join('');
        assert.equal(text, REPLY);
        assert.equal(JSON.parse(events.at(-2).data).usage.output_tokens, REPLY.split(' ').length);
      } else {
        assert.equal(events.at(-1).data, '[DONE]');
        const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
        assert.equal(chunks[0].choices[0].delta.role, 'assistant');
        for (const c of chunks) assert.equal(c.model, real);
        const text = chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta.content || '').join('');
        assert.equal(text, REPLY);
        const finish = chunks.findIndex((c) => c.choices[0]?.finish_reason === 'stop');
        assert.ok(finish > 0, 'a finish_reason chunk');
        const usage = chunks.at(-1);
        assert.deepEqual(usage.choices, []);
        assert.equal(usage.usage.completion_tokens, REPLY.split(' ').length);
        assert.ok(finish < chunks.length - 1, 'usage comes after finish_reason');
      }
      const after = await metrics(gw.url);
      assert.equal(after.spillway_streams_relayed_total - before.spillway_streams_relayed_total, 1);
    });

    test('streaming is relayed incrementally, not buffered', async (t) => {
      // 10 words at 20 tokens/s: the last token is produced ~450 ms after the first.
      const { gw } = await routedGateway(t, dialect, ['--tokens-per-s', '20']);
      const body = bodyFor(dialect, { stream: true });
      const res = await timedFetch(`${gw.url}${endpointFor(dialect)}`, { body, headers: dialectHeaders(dialect) });
      assert.equal(res.status, 200, res.text);
      const first = arrivalOf(res, dialect === 'anthropic' ? 'message_start' : '"role":"assistant"');
      const last = arrivalOf(res, dialect === 'anthropic' ? 'message_stop' : '[DONE]');
      assert.ok(first !== null && last !== null, res.text);
      // A buffering gateway delivers both together; a relaying one spreads them over the
      // upstream's ~450 ms of generation. Only a lower bound, so a slow machine cannot flake it.
      assert.ok(last - first >= 225, `first event at ${first.toFixed(0)} ms, last at ${last.toFixed(0)} ms`);
      assert.ok(res.pieces.length >= 5, `the body arrived in ${res.pieces.length} pieces`);
    });

    test('keep-alive: several requests on one gateway all succeed', async (t) => {
      const { gw } = await routedGateway(t, dialect);
      for (let i = 0; i < 5; ++i) {
        const stream = i % 2 === 1;
        const res = await http(`${gw.url}${endpointFor(dialect)}`, { body: bodyFor(dialect, { stream }), headers: dialectHeaders(dialect) });
        assert.equal(res.status, 200, `request ${i}: ${res.text}`);
      }
      const m = await metrics(gw.url);
      assert.equal(m.spillway_upstream_attempts_total, 5);
    });
  });
}

test('anthropic: /v1/messages?beta=true is routed and forwarded', async (t) => {
  const capture = await startCaptureServer(t, () => ({ body: cannedReply('anthropic') }));
  const mock = await startMock(t, 'anthropic', ['--reply', REPLY]);
  const gw = await startGateway(t, {
    upstreams: [upstreamFor('sim', mock, 'anthropic'), { name: 'cap', kind: 'anthropic', base_url: capture.url }],
    routes: [{ match: { model: 'cap-*' }, to: ['cap'] }, { match: { model: '*' }, to: ['sim'] }],
  });
  const headers = { 'anthropic-version': ANTHROPIC_VERSION, 'anthropic-beta': 'tools-2024-04-04' };
  const res = await http(`${gw.url}/v1/messages?beta=true`, { body: bodyFor('anthropic'), headers });
  assert.equal(res.status, 200, res.text);
  assert.equal(replyText('anthropic', res.json()), REPLY);

  const streamed = await http(`${gw.url}/v1/messages?beta=true`, { body: bodyFor('anthropic', { stream: true }), headers });
  assert.equal(streamed.status, 200, streamed.text);
  assert.equal(sseEvents(streamed.text).at(-1).event, 'message_stop');

  const cap = await http(`${gw.url}/v1/messages?beta=true`, { body: bodyFor('anthropic', { model: 'cap-1' }), headers });
  assert.equal(cap.status, 200, cap.text);
  assert.equal(capture.requests.length, 1);
  // The upstream path is /v1/messages, with or without the client's query string; nothing else.
  assert.match(capture.requests[0].url, /^\/v1\/messages(\?beta=true)?$/);
});

test('anthropic: count_tokens is passed through', async (t) => {
  const mock = await startMock(t, 'anthropic');
  const gw = await startGateway(t, {
    upstreams: [upstreamFor('sim', mock, 'anthropic')],
    routes: [{ match: { model: 'alias' }, to: [{ upstream: 'sim', model: 'claude-real-1' }] }, { to: ['sim'] }],
  });
  const body = { model: 'alias', messages: [{ role: 'user', content: 'count these words please, all of them' }], system: 'be brief' };
  const headers = { 'anthropic-version': ANTHROPIC_VERSION };
  const res = await http(`${gw.url}/v1/messages/count_tokens`, { body, headers });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('x-mock-received-model'), 'claude-real-1');
  const direct = await http(`${mock.url}/v1/messages/count_tokens`, { body, headers });
  assert.deepEqual(res.json(), direct.json());
  assert.ok(res.json().input_tokens > 0);
});

test('a client that disconnects mid-stream leaves the gateway serving', async (t) => {
  const mock = await startMock(t, 'anthropic', ['--reply', REPLY, '--tokens-per-s', '10']);
  const gw = await startGateway(t, { upstreams: [upstreamFor('sim', mock, 'anthropic')] });
  const ctrl = new AbortController();
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION },
    body: JSON.stringify(bodyFor('anthropic', { stream: true })),
    signal: ctrl.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const first = await reader.read();
  assert.ok(!first.done);
  ctrl.abort();
  await reader.read().catch(() => {});

  for (const stream of [true, false]) {
    const again = await http(`${gw.url}/v1/messages`, { body: bodyFor('anthropic', { stream, max_tokens: 2 }), headers: { 'anthropic-version': ANTHROPIC_VERSION } });
    assert.equal(again.status, 200, again.text);
  }
  assert.equal(gw.exited(), null, 'the gateway is still running');
  assert.doesNotMatch(gw.stderr(), /session failed/);
});

test('concurrent streams on a 2-thread gateway each get their own reply, intact', async (t) => {
  const mock = await startMock(t, 'openai', ['--tokens-per-s', '200']);
  const gw = await startGateway(t, { threads: 2, upstreams: [upstreamFor('sim', mock, 'openai')] });
  const N = 16;
  const replies = Array.from({ length: N }, (_, i) => `reply number ${i} with a few words for stream ${i}`);
  const results = await Promise.all(replies.map((reply, i) => http(`${gw.url}/v1/chat/completions`, {
    body: bodyFor('openai', { stream: i % 4 !== 0 }),
    headers: { 'x-mock-reply': reply },
  })));
  results.forEach((res, i) => {
    assert.equal(res.status, 200, res.text);
    if (i % 4 === 0) {
      assert.equal(res.json().choices[0].message.content, replies[i]);
      return;
    }
    const events = sseEvents(res.text);
    assert.equal(events.at(-1).data, '[DONE]');
    const text = events.slice(0, -1).map((e) => JSON.parse(e.data))
      .filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta.content || '').join('');
    assert.equal(text, replies[i]);
  });
  const m = await metrics(gw.url);
  assert.equal(m.spillway_streams_relayed_total, N - N / 4);
  assert.equal(m.spillway_responses_2xx_total, N);
});

test('an HTTP/1.0 client gets the stream unchunked, ended by close', async (t) => {
  const mock = await startMock(t, 'anthropic', ['--reply', REPLY]);
  const gw = await startGateway(t, { upstreams: [upstreamFor('sim', mock, 'anthropic')] });
  const raw = rawPost(gw.url, '/v1/messages', bodyFor('anthropic', { stream: true }), { 'anthropic-version': ANTHROPIC_VERSION })
    .replace('HTTP/1.1', 'HTTP/1.0');
  const res = await rawRequest(gw.url, raw, { waitClose: true });
  assert.equal(res.status, 200, res.raw);
  assert.match(res.rawHead, /^HTTP\/1\.[01] 200/);
  assert.equal(res.headers['transfer-encoding'], undefined);
  const body = res.raw.slice(res.rawHead.length + 4);
  const events = sseEvents(body);
  assert.equal(events.at(-1).event, 'message_stop');
  const text = events.filter((e) => e.event === 'content_block_delta').map((e) => JSON.parse(e.data).delta.text).join('');
  assert.equal(text, REPLY);
});

describe('upstream response shapes', () => {
  const capBase = (capture) => capture.url;

  test('an upstream that drops idle keep-alive connections: every request still succeeds', async (t) => {
    const capture = await startCaptureServer(t, () => ({ body: cannedReply('anthropic') }), { closeAfterResponse: true });
    const gw = await startGateway(t, { upstreams: [{ name: 'cap', kind: 'anthropic', base_url: capBase(capture) }] });
    for (let i = 0; i < 6; ++i) {
      const res = await http(`${gw.url}/v1/messages`, { body: bodyFor('anthropic'), headers: dialectHeaders('anthropic') });
      assert.equal(res.status, 200, `request ${i}: ${res.text}`);
      assert.equal(res.text, cannedReply('anthropic'));
    }
    assert.equal(capture.requests.length, 6);
  });

  test('a large JSON reply is relayed intact, under and over max_upstream_response_bytes', async (t) => {
    const big = JSON.stringify({ ...JSON.parse(cannedReply('openai')), padding: 'z'.repeat(300_000) });
    const capture = await startCaptureServer(t, (rec) => (rec.url.includes('chunked')
      ? { chunks: [big.slice(0, 1000), big.slice(1000, 150_000), big.slice(150_000)] }
      : { body: big }));
    for (const limit of ['64MiB', '4KiB']) {
      const gw = await startGateway(t, {
        limits: { max_upstream_response_bytes: limit },
        upstreams: [{ name: 'cap', kind: 'openai', base_url: `${capture.url}/v1` },
          { name: 'capchunked', kind: 'openai', base_url: `${capture.url}/chunked/v1` }],
        routes: [{ match: { model: 'chunked' }, to: ['capchunked'] }, { to: ['cap'] }],
      });
      for (const model of ['whole', 'chunked']) {
        const res = await http(`${gw.url}/v1/chat/completions`, { body: bodyFor('openai', { model }) });
        assert.equal(res.status, 200, `${limit} ${model}`);
        assert.equal(res.text.length, big.length, `${limit} ${model}`);
        assert.equal(res.text, big, `${limit} ${model}`);
      }
    }
  });

  test('an anthropic base_url written with /v1 reaches /v1/messages', async (t) => {
    const capture = await startCaptureServer(t, () => ({ body: cannedReply('anthropic') }));
    const gw = await startGateway(t, { upstreams: [{ name: 'cap', kind: 'anthropic', base_url: `${capture.url}/v1/` }] });
    const res = await http(`${gw.url}/v1/messages`, { body: bodyFor('anthropic'), headers: dialectHeaders('anthropic') });
    assert.equal(res.status, 200, res.text);
    assert.equal(capture.requests[0].url, '/v1/messages');
  });
});

test('Expect: 100-continue gets an interim 100 and the body is forwarded', async (t) => {
  const capture = await startCaptureServer(t, () => ({ body: cannedReply('openai') }));
  const gw = await startGateway(t, { upstreams: [{ name: 'cap', kind: 'openai', base_url: `${capture.url}/v1` }] });
  const body = JSON.stringify(bodyFor('openai'));
  const head = rawPost(gw.url, '/v1/chat/completions', body, { Expect: '100-continue' }).slice(0, -body.length);
  const { hostname, port } = new URL(gw.url);
  const net = await import('node:net');
  // Send the body only once the 100 arrived, as curl does.
  const res = await new Promise((resolve, reject) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    let got = '';
    let sent = false;
    sock.on('connect', () => sock.write(head));
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (!sent && /^HTTP\/1\.1 100 /.test(got) && got.includes('\r\n\r\n')) {
        sent = true;
        sock.write(body);
      }
    });
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
  });
  assert.match(res, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /, res);
  assert.equal(capture.requests.length, 1);
  assert.equal(capture.requests[0].body.toString(), body);
  assert.equal(capture.requests[0].headers.expect, undefined, 'expect is not forwarded');
});
