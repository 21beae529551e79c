// Which request and response headers `spillway serve` forwards: provider headers as sent,
// the gateway's credentials replaced by the upstream's key, hop-by-hop and x-spillway-* dropped.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { http, stopProcessesAfter } from './lib/harness.mjs';
import {
  ANTHROPIC_VERSION, bodyFor, cannedReply, dialectHeaders, endpointFor, rawPost, rawRequest, receivedHeaderNames,
  startCaptureServer, startGateway, startMock, upstreamFor,
} from './lib/gateway.mjs';

stopProcessesAfter();

function captureBase(capture, dialect) {
  return dialect === 'openai' ? `${capture.url}/v1` : capture.url;
}

// A capture upstream behind a gateway; `upstream` adds keys to its config entry.
async function captureGateway(t, dialect, { upstream = {}, env = {}, replyHeaders = {} } = {}) {
  const capture = await startCaptureServer(t, () => ({ body: cannedReply(dialect), headers: replyHeaders }));
  const gw = await startGateway(t, {
    upstreams: [{ name: 'cap', kind: dialect, base_url: captureBase(capture, dialect), ...upstream }],
  }, { env });
  return { capture, gw };
}

// Header values the upstream received under `name` (lower-case), in order.
function valuesOf(rec, name) {
  const out = [];
  for (let i = 0; i < rec.rawHeaders.length; i += 2) {
    if (rec.rawHeaders[i].toLowerCase() === name) out.push(rec.rawHeaders[i + 1]);
  }
  return out;
}

describe('anthropic provider headers', () => {
  for (const version of [ANTHROPIC_VERSION, '2026-10-01']) {
    test(`anthropic-version ${version} and anthropic-beta are forwarded as sent`, async (t) => {
      const { capture, gw } = await captureGateway(t, 'anthropic');
      const beta = 'prompt-caching-2024-07-31,  fine-grained-tool-streaming-2025-05-14';
      const res = await http(`${gw.url}/v1/messages`, {
        body: bodyFor('anthropic'),
        headers: { 'anthropic-version': version, 'anthropic-beta': beta, 'x-stainless-lang': 'js' },
      });
      assert.equal(res.status, 200, res.text);
      const rec = capture.requests[0];
      assert.deepEqual(valuesOf(rec, 'anthropic-version'), [version]);
      assert.deepEqual(valuesOf(rec, 'anthropic-beta'), [beta]);
      assert.deepEqual(valuesOf(rec, 'x-stainless-lang'), ['js'], 'SDK headers are passed on');
    });
  }

  test('the mock provider sees anthropic-version and anthropic-beta through the gateway', async (t) => {
    const mock = await startMock(t, 'anthropic');
    const gw = await startGateway(t, { upstreams: [upstreamFor('sim', mock, 'anthropic')] });
    const res = await http(`${gw.url}/v1/messages`, {
      body: bodyFor('anthropic'),
      headers: { 'anthropic-version': '2026-10-01', 'anthropic-beta': 'some-beta-2099-01-01' },
    });
    assert.equal(res.status, 200, res.text);
    const names = receivedHeaderNames(res.headers);
    assert.ok(names.includes('anthropic-version'), names.join());
    assert.ok(names.includes('anthropic-beta'), names.join());
  });
});

for (const dialect of ['anthropic', 'openai']) {
  describe(`${dialect} credentials`, () => {
    const keyHeader = dialect === 'anthropic' ? 'x-api-key' : 'authorization';
    const keyValue = (k) => (dialect === 'anthropic' ? k : `Bearer ${k}`);

    test('the client key is not forwarded; the upstream gets the key from api_key_env', async (t) => {
      const { capture, gw } = await captureGateway(t, dialect, {
        upstream: { api_key_env: 'GWT_PROVIDER_KEY' },
        env: { GWT_PROVIDER_KEY: 'sk-provider-123' },
      });
      const res = await http(`${gw.url}${endpointFor(dialect)}`, {
        body: bodyFor(dialect),
        headers: { ...dialectHeaders(dialect), 'x-api-key': 'client-key-1', authorization: 'Bearer client-key-2' },
      });
      assert.equal(res.status, 200, res.text);
      const rec = capture.requests[0];
      assert.deepEqual(valuesOf(rec, keyHeader), [keyValue('sk-provider-123')]);
      const other = dialect === 'anthropic' ? 'authorization' : 'x-api-key';
      assert.deepEqual(valuesOf(rec, other), [], `${other} is not forwarded`);
      assert.ok(!rec.rawHeaders.join('\n').includes('client-key'), rec.rawHeaders.join('\n'));
    });

    test('with no provider key configured, no key header goes upstream', async (t) => {
      const { capture, gw } = await captureGateway(t, dialect);
      const res = await http(`${gw.url}${endpointFor(dialect)}`, {
        body: bodyFor(dialect),
        headers: { ...dialectHeaders(dialect), 'x-api-key': 'client-key-1', authorization: 'Bearer client-key-2' },
      });
      assert.equal(res.status, 200, res.text);
      const rec = capture.requests[0];
      assert.deepEqual(valuesOf(rec, 'x-api-key'), []);
      assert.deepEqual(valuesOf(rec, 'authorization'), []);
    });

    test('a mock requiring a key: 200 with api_key_env, the 401 relayed without it', async (t) => {
      const mock = await startMock(t, dialect, ['--api-key', 'mock-key-K']);
      const withKey = await startGateway(t, {
        upstreams: [upstreamFor('sim', mock, dialect, { api_key_env: 'GWT_MOCK_KEY' })],
      }, { env: { GWT_MOCK_KEY: 'mock-key-K' } });
      const ok = await http(`${withKey.url}${endpointFor(dialect)}`, { body: bodyFor(dialect), headers: dialectHeaders(dialect) });
      assert.equal(ok.status, 200, ok.text);

      const withoutKey = await startGateway(t, { upstreams: [upstreamFor('sim', mock, dialect)] });
      // Even the right key sent by the client is not passed on: it is the gateway's credential.
      const refused = await http(`${withoutKey.url}${endpointFor(dialect)}`, {
        body: bodyFor(dialect),
        headers: { ...dialectHeaders(dialect), [keyHeader]: keyValue('mock-key-K') },
      });
      assert.equal(refused.status, 401, refused.text);
      const json = refused.json();
      if (dialect === 'anthropic') {
        assert.equal(json.type, 'error');
        assert.equal(json.error.type, 'authentication_error');
      } else {
        assert.equal(typeof json.error.message, 'string');
      }
    });
  });
}

describe('hop-by-hop and gateway headers', () => {
  for (const dialect of ['anthropic', 'openai']) {
    test(`${dialect}: hop-by-hop, Connection-named and x-spillway-* headers are not forwarded`, async (t) => {
      const mock = await startMock(t, dialect);
      const capture = await startCaptureServer(t, () => ({ body: cannedReply(dialect) }));
      const gw = await startGateway(t, {
        upstreams: [upstreamFor('sim', mock, dialect), { name: 'cap', kind: dialect, base_url: captureBase(capture, dialect) }],
        routes: [{ match: { model: 'cap' }, to: ['cap'] }, { to: ['sim'] }],
      });
      const extra = {
        Connection: 'close, x-hop-named',
        'X-Hop-Named': 'must-not-pass',
        'Keep-Alive': 'timeout=5, max=100',
        TE: 'trailers',
        Trailer: 'x-checksum',
        Upgrade: 'h2c',
        'Proxy-Connection': 'keep-alive',
        'Proxy-Authorization': 'Basic Zm9vOmJhcg==',
        'X-Spillway-Agent': 'agent-7',
        'X-Spillway-Priority': 'high',
        'X-End-To-End': 'passes',
        'Accept-Encoding': 'gzip, br',
        ...dialectHeaders(dialect),
      };
      const dropped = ['x-hop-named', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-connection',
        'proxy-authorization', 'x-spillway-agent', 'x-spillway-priority', 'accept-encoding'];

      const viaMock = await rawRequest(gw.url, rawPost(gw.url, endpointFor(dialect), bodyFor(dialect), extra));
      assert.equal(viaMock.status, 200, viaMock.raw);
      const names = receivedHeaderNames(viaMock.headers);
      for (const h of dropped) assert.ok(!names.includes(h), `${h} was forwarded: ${names.join()}`);
      assert.ok(names.includes('x-end-to-end'), names.join());

      const viaCapture = await rawRequest(gw.url, rawPost(gw.url, endpointFor(dialect), bodyFor(dialect, { model: 'cap' }), extra));
      assert.equal(viaCapture.status, 200, viaCapture.raw);
      const rec = capture.requests[0];
      const got = new Set(rec.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase()));
      for (const h of dropped) assert.ok(!got.has(h), `${h} was forwarded: ${[...got].join()}`);
      assert.deepEqual(valuesOf(rec, 'x-end-to-end'), ['passes']);
      assert.ok(!valuesOf(rec, 'connection').some((v) => /x-hop-named/i.test(v)), valuesOf(rec, 'connection').join());
      // Host names the upstream, not the gateway.
      assert.deepEqual(valuesOf(rec, 'host'), [new URL(capture.url).host]);
    });
  }

  test('upstream response headers are relayed, hop-by-hop and set-cookie are not', async (t) => {
    const { gw } = await captureGateway(t, 'anthropic', {
      replyHeaders: {
        'request-id': 'req_upstream_1',
        'anthropic-ratelimit-requests-remaining': '49',
        'x-upstream-extra': 'yes',
        'set-cookie': 'session=abc',
        'proxy-authenticate': 'Basic realm="x"',
      },
    });
    const res = await http(`${gw.url}/v1/messages`, { body: bodyFor('anthropic'), headers: dialectHeaders('anthropic') });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('request-id'), 'req_upstream_1');
    assert.equal(res.headers.get('anthropic-ratelimit-requests-remaining'), '49');
    assert.equal(res.headers.get('x-upstream-extra'), 'yes');
    assert.equal(res.headers.get('set-cookie'), null);
    assert.equal(res.headers.get('proxy-authenticate'), null);
  });

  test('rate-limit headers of the mock reach the client', async (t) => {
    const mock = await startMock(t, 'openai', ['--rpm', '100']);
    const gw = await startGateway(t, { upstreams: [upstreamFor('sim', mock, 'openai')] });
    const res = await http(`${gw.url}/v1/chat/completions`, { body: bodyFor('openai') });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-ratelimit-limit-requests'), '100');
    assert.match(res.headers.get('x-ratelimit-remaining-requests') || '', /^\d+$/);
  });
});

test('a 429 from the only upstream is relayed with its retry-after', async (t) => {
  for (const dialect of ['anthropic', 'openai']) {
    const mock = await startMock(t, dialect);
    const gw = await startGateway(t, { upstreams: [upstreamFor('sim', mock, dialect)] });
    const res = await http(`${gw.url}${endpointFor(dialect)}`, { body: bodyFor(dialect), headers: { ...dialectHeaders(dialect), 'x-mock-status': '429' } });
    assert.equal(res.status, 429, res.text);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.match(res.headers.get(dialect === 'anthropic' ? 'request-id' : 'x-request-id') || '', /\S/);
    const direct = await http(`${mock.url}${endpointFor(dialect)}`, { body: bodyFor(dialect), headers: { ...dialectHeaders(dialect), 'x-mock-status': '429' } });
    assert.equal(direct.status, 429);
    assert.deepEqual(res.json().error, direct.json().error, 'the upstream error body is relayed unchanged');
  }
});
