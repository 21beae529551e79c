// `spillway serve` when things go wrong: bad requests, unknown models, oversized bodies,
// unreachable / slow / failing upstreams (with failover), bad config files, and secrets that
// must never leak through any of it.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { http, sseEvents, stopProcessesAfter } from './lib/harness.mjs';
import {
  ANTHROPIC_VERSION, bodyFor, closedPort, dialectHeaders, endpointFor, errorMessage, metrics, rawPost, rawRequest,
  runCli, startGateway, startMock, suiteContext, tempDir, upstreamFor, writeConfig,
} from './lib/gateway.mjs';

stopProcessesAfter();

const DIALECTS = ['anthropic', 'openai'];

function errorType(dialect, json) {
  errorMessage(dialect, json);  // asserts the dialect's envelope
  return json.error.type;
}

// One gateway with one mock per dialect, small body limit, a few routes; shared by the
// request-validation tests.
describe('request validation', () => {
  let gw;
  const suite = suiteContext();
  before(async () => {
    const a = await startMock(suite, 'anthropic');
    const o = await startMock(suite, 'openai');
    gw = await startGateway(suite, {
      limits: { max_body_bytes: 1024, max_header_bytes: 4096 },
      upstreams: [
        upstreamFor('claude', a, 'anthropic', { models: ['claude-sonnet-4-5'] }),
        upstreamFor('local', o, 'openai', { models: ['gpt-local'] }),
      ],
      routes: [
        { match: { model: 'claude-sonnet-*' }, to: ['claude'] },
        { match: { model: 'fast' }, to: [{ upstream: 'local', model: 'qwen' }] },
        { match: { model: 'gpt-local' }, to: ['local'] },
        { match: { model: 'claude-haiku' }, to: ['claude'] },
      ],
    });
  });

  for (const dialect of DIALECTS) {
    const path = endpointFor(dialect);
    const headers = { 'content-type': 'application/json', ...dialectHeaders(dialect) };
    const model = dialect === 'anthropic' ? 'claude-sonnet-4-5' : 'gpt-local';

    test(`${dialect}: malformed JSON is a 400 naming the byte offset`, async () => {
      const good = `{"model":"${model}","max_tokens":5,"messages":[]`;
      const bad = `${good},,"x":1}`;
      const res = await http(`${gw.url}${path}`, { body: bad, headers });
      assert.equal(res.status, 400, res.text);
      assert.equal(errorType(dialect, res.json()), 'invalid_request_error');
      const m = /byte (\d+)/.exec(res.json().error.message);
      assert.ok(m, res.json().error.message);
      // The second comma is at offset good.length + 1; allow the parser to name either comma.
      assert.ok(Math.abs(Number(m[1]) - (good.length + 1)) <= 1, `offset ${m[1]} for an error at ${good.length + 1}`);

      const truncated = await http(`${gw.url}${path}`, { body: good, headers });
      assert.equal(truncated.status, 400, truncated.text);
      assert.match(truncated.json().error.message, /byte \d+/);
    });

    test(`${dialect}: a body that is not an object, or lacks a model, is a 400`, async () => {
      const cases = [
        '',
        '[]',
        '"text"',
        JSON.stringify({ max_tokens: 5, messages: [] }),
        JSON.stringify({ model: 42, messages: [] }),
        JSON.stringify({ model: '', messages: [] }),
      ];
      for (const body of cases) {
        const res = await http(`${gw.url}${path}`, { body, headers });
        assert.equal(res.status, 400, `${body}: ${res.text}`);
        assert.equal(errorType(dialect, res.json()), 'invalid_request_error', body);
      }
      const missing = await http(`${gw.url}${path}`, { body: JSON.stringify({ messages: [] }), headers });
      assert.match(missing.json().error.message, /model/);
    });

    test(`${dialect}: an unknown model is a 404 naming it and the known ones`, async () => {
      const before = await metrics(gw.url);
      const res = await http(`${gw.url}${path}`, { body: bodyFor(dialect, { model: 'no-such-model-9' }), headers });
      assert.equal(res.status, 404, res.text);
      const json = res.json();
      const message = errorMessage(dialect, json);
      if (dialect === 'anthropic') {
        assert.equal(json.error.type, 'not_found_error');
      } else {
        assert.equal(json.error.code, 'model_not_found');
      }
      assert.match(message, /no-such-model-9/);
      for (const known of ['fast', 'gpt-local', 'claude-haiku', 'claude-sonnet-4-5']) {
        assert.ok(message.includes(known), `${known} missing from: ${message}`);
      }
      const after = await metrics(gw.url);
      assert.equal(after.spillway_unknown_model_total - before.spillway_unknown_model_total, 1);
      assert.equal(after.spillway_upstream_attempts_total, before.spillway_upstream_attempts_total);
    });

    const pad = 'x'.repeat(1100);
    const big = JSON.stringify(bodyFor(dialect, { model, metadata: { pad } }));

    test(`${dialect}: a body over limits.max_body_bytes (content-length) is a 413`, async () => {
      const before = await metrics(gw.url);
      const res = await http(`${gw.url}${path}`, { body: big, headers });
      assert.equal(res.status, 413, res.text);
      assert.match(errorMessage(dialect, res.json()), /1024/);
      if (dialect === 'anthropic') {
        assert.equal(res.json().error.type, 'request_too_large');
      }
      const after = await metrics(gw.url);
      assert.equal(after.spillway_body_too_large_total - before.spillway_body_too_large_total, 1);
      assert.equal(after.spillway_upstream_attempts_total, before.spillway_upstream_attempts_total);
    });

    test(`${dialect}: a body over limits.max_body_bytes (chunked) is a 413`, async () => {
      // No content-length: the limit is found while reading.
      const { host } = new URL(gw.url);
      const head = [`POST ${path} HTTP/1.1`, `Host: ${host}`, 'Content-Type: application/json',
        'Transfer-Encoding: chunked', 'Connection: close',
        ...Object.entries(dialectHeaders(dialect)).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
      const chunks = [big.slice(0, 600), big.slice(600)]
        .map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('');
      const res = await rawRequest(gw.url, `${head}\r\n\r\n${chunks}0\r\n\r\n`);
      assert.equal(res.status, 413, res.raw);
      assert.match(errorMessage(dialect, JSON.parse(res.body)), /1024/);
    });

    test(`${dialect}: a body of exactly limits.max_body_bytes is accepted (content-length and chunked)`, async () => {
      const base = JSON.stringify(bodyFor(dialect, { model, metadata: { pad: '' } }));
      const fits = base.replace('"pad":""', `"pad":"${'y'.repeat(1024 - base.length)}"`);
      assert.equal(Buffer.byteLength(fits), 1024);
      const ok = await http(`${gw.url}${path}`, { body: fits, headers });
      assert.equal(ok.status, 200, ok.text);
      const { host } = new URL(gw.url);
      const head = [`POST ${path} HTTP/1.1`, `Host: ${host}`, 'Content-Type: application/json',
        'Transfer-Encoding: chunked', 'Connection: close',
        ...Object.entries(dialectHeaders(dialect)).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
      const chunks = [fits.slice(0, 500), fits.slice(500)]
        .map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('');
      const res = await rawRequest(gw.url, `${head}\r\n\r\n${chunks}0\r\n\r\n`);
      assert.equal(res.status, 200, res.raw);
    });

    test(`${dialect}: headers over limits.max_header_bytes are a 431`, async () => {
      const res = await rawRequest(gw.url, rawPost(gw.url, path, bodyFor(dialect, { model }),
        { ...dialectHeaders(dialect), 'x-padding': 'p'.repeat(6000) }));
      assert.equal(res.status, 431, res.raw);
      assert.match(errorMessage(dialect, JSON.parse(res.body)), /4096/);
    });

    test(`${dialect}: unknown path is a 404 in the dialect; wrong method is a 405`, async () => {
      const res = await http(`${gw.url}/v1/nothing-here`, { body: bodyFor(dialect), headers });
      assert.equal(res.status, 404, res.text);
      errorMessage(dialect, res.json());

      const wrong = await http(`${gw.url}${path}`, { method: 'GET', headers: dialectHeaders(dialect) });
      assert.equal(wrong.status, 405, `GET ${path}: ${wrong.status} ${wrong.text}`);
      errorMessage(dialect, wrong.json());
    });
  }

  test('POST /v1/models is a 405', async () => {
    const res = await http(`${gw.url}/v1/models`, { body: {} });
    assert.equal(res.status, 405, res.text);
  });

  test('GET /v1/models: OpenAI shape by default, Anthropic shape with anthropic-version', async () => {
    const o = await http(`${gw.url}/v1/models`);
    assert.equal(o.status, 200, o.text);
    const oj = o.json();
    assert.equal(oj.object, 'list');
    const oids = oj.data.map((m) => m.id).sort();
    for (const m of oj.data) assert.equal(m.object, 'model');
    // Literal route patterns plus upstream models a route sends there unchanged.
    assert.deepEqual(oids, ['claude-haiku', 'claude-sonnet-4-5', 'fast', 'gpt-local']);

    const a = await http(`${gw.url}/v1/models`, { headers: { 'anthropic-version': ANTHROPIC_VERSION } });
    assert.equal(a.status, 200, a.text);
    const aj = a.json();
    assert.equal(aj.has_more, false);
    for (const m of aj.data) assert.equal(m.type, 'model');
    assert.deepEqual(aj.data.map((m) => m.id).sort(), oids);
    assert.equal(aj.first_id, aj.data[0].id);
    assert.equal(aj.last_id, aj.data.at(-1).id);
  });

  test('/readyz lists the upstreams; /healthz is ok', async () => {
    const r = await http(`${gw.url}/readyz`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json().upstreams, ['claude', 'local']);
    const h = await http(`${gw.url}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(h.json().status, 'ok');
  });

  test('malformed HTTP is a 400', async () => {
    const res = await rawRequest(gw.url, 'THIS IS NOT HTTP\r\n\r\n');
    assert.equal(res.status, 400, res.raw);
  });
});

describe('upstream failures', () => {
  for (const dialect of DIALECTS) {
    const path = endpointFor(dialect);
    const headers = dialectHeaders(dialect);

    test(`${dialect}: an unreachable upstream is a 502 naming it`, async (t) => {
      const port = await closedPort();
      const gw = await startGateway(t, {
        upstreams: [{ name: 'gone-upstream', kind: dialect, base_url: `http://127.0.0.1:${port}` }],
      });
      const before = await metrics(gw.url);
      for (const stream of [false, true]) {
        const res = await http(`${gw.url}${path}`, { body: bodyFor(dialect, { stream }), headers });
        assert.equal(res.status, 502, res.text);
        assert.match(errorMessage(dialect, res.json()), /gone-upstream/);
      }
      const after = await metrics(gw.url);
      assert.equal(after.spillway_upstream_connect_failures_total - before.spillway_upstream_connect_failures_total, 2);
    });

    test(`${dialect}: no response headers within first_byte_ms is a 504`, async (t) => {
      const mock = await startMock(t, dialect, ['--latency-ms', '3000']);
      const gw = await startGateway(t, {
        upstreams: [upstreamFor('slow', mock, dialect, { timeouts: { first_byte_ms: 300 } })],
      });
      const start = performance.now();
      const res = await http(`${gw.url}${path}`, { body: bodyFor(dialect), headers });
      const elapsed = performance.now() - start;
      assert.equal(res.status, 504, res.text);
      assert.match(errorMessage(dialect, res.json()), /slow/);
      assert.ok(elapsed >= 300, `answered after ${elapsed} ms, before the timeout`);
      const m = await metrics(gw.url);
      assert.equal(m.spillway_upstream_timeouts_total, 1);
    });

    test(`${dialect}: a stream that stalls after its first event ends with an error event`, async (t) => {
      const mock = await startMock(t, dialect);
      const gw = await startGateway(t, {
        upstreams: [upstreamFor('staller', mock, dialect, { timeouts: { between_events_ms: 300 } })],
      });
      const res = await rawRequest(gw.url, rawPost(gw.url, path, bodyFor(dialect, { stream: true }),
        { ...headers, 'x-mock-stall-ms': '3000' }), { idleMs: 2500, waitClose: true });
      assert.equal(res.status, 200, res.raw);
      const events = sseEvents(res.body);
      assert.ok(events.length >= 2, res.body);
      const last = events.at(-1);
      if (dialect === 'anthropic') {
        assert.equal(events[0].event, 'message_start');
        assert.equal(last.event, 'error');
        const json = JSON.parse(last.data);
        assert.equal(json.type, 'error');
        assert.equal(json.error.type, 'timeout_error');
        assert.ok(!events.some((e) => e.event === 'message_stop'));
      } else {
        const json = JSON.parse(last.data);
        assert.equal(typeof json.error?.message, 'string', last.data);
        assert.ok(!events.some((e) => e.data === '[DONE]'));
      }
      const m = await metrics(gw.url);
      assert.equal(m.spillway_streams_broken_total, 1);
    });

    test(`${dialect}: an overloaded last upstream's error is relayed as is`, async (t) => {
      const mock = await startMock(t, dialect, ['--fail-529-rate', '1']);
      const gw = await startGateway(t, { upstreams: [upstreamFor('busy', mock, dialect)] });
      const res = await http(`${gw.url}${path}`, { body: bodyFor(dialect), headers });
      assert.equal(res.status, dialect === 'anthropic' ? 529 : 503, res.text);
      const direct = await http(`${mock.url}${path}`, { body: bodyFor(dialect), headers });
      assert.equal(res.json().error.type, direct.json().error.type);
    });
  }
});

describe('failover', () => {
  for (const dialect of DIALECTS) {
    const path = endpointFor(dialect);
    const headers = dialectHeaders(dialect);

    test(`${dialect}: [dead, alive] answers 200 from alive and counts a failover`, async (t) => {
      const port = await closedPort();
      const alive = await startMock(t, dialect, ['--reply', 'from alive']);
      const gw = await startGateway(t, {
        upstreams: [{ name: 'dead', kind: dialect, base_url: `http://127.0.0.1:${port}` }, upstreamFor('alive', alive, dialect)],
        routes: [{ to: ['dead', 'alive'] }],
      });
      const before = await metrics(gw.url);
      const res = await http(`${gw.url}${path}`, { body: bodyFor(dialect), headers });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('x-spillway-upstream'), 'alive');
      assert.match(res.text, /from alive/);
      const after = await metrics(gw.url);
      assert.equal(after.spillway_failovers_total - before.spillway_failovers_total, 1);
    });

    for (const [label, args] of [['overloaded (--fail-529-rate 1)', ['--fail-529-rate', '1']],
      ['rate limited (script 429)', null], ['500 (--fail-500-rate 1)', ['--fail-500-rate', '1']]]) {
      test(`${dialect}: [${label}, alive] answers 200 from alive, JSON and streaming`, async (t) => {
        let failArgs = args;
        if (!failArgs) {
          const script = join(tempDir(t), 'script.json');
          writeFileSync(script, JSON.stringify([{ status: 429 }]));
          failArgs = ['--script', script];
        }
        const failing = await startMock(t, dialect, failArgs);
        const alive = await startMock(t, dialect, ['--reply', 'from alive']);
        const gw = await startGateway(t, {
          upstreams: [upstreamFor('failing', failing, dialect), upstreamFor('alive', alive, dialect)],
          routes: [{ to: ['failing', 'alive'] }],
        });
        const before = await metrics(gw.url);
        const res = await http(`${gw.url}${path}`, { body: bodyFor(dialect), headers });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers.get('x-spillway-upstream'), 'alive');
        const streamed = await http(`${gw.url}${path}`, { body: bodyFor(dialect, { stream: true }), headers });
        assert.equal(streamed.status, 200, streamed.text);
        const events = sseEvents(streamed.text);
        assert.ok(dialect === 'anthropic' ? events.at(-1).event === 'message_stop' : events.at(-1).data === '[DONE]', streamed.text);
        assert.match(streamed.text, /alive/);
        const after = await metrics(gw.url);
        if (label.startsWith('rate limited')) {
          // The 429 cooled the failing upstream's key down (retry-after in full): the second
          // request goes straight to alive instead of being sent into another 429.
          assert.equal(after.spillway_failovers_total - before.spillway_failovers_total, 1);
          assert.equal(after['spillway_upstream_429s_total{upstream="failing"}'], 1);
        } else {
          assert.equal(after.spillway_failovers_total - before.spillway_failovers_total, 2);
        }
      });
    }

    test(`${dialect}: when every candidate fails, the last failure is answered`, async (t) => {
      const p1 = await closedPort();
      const p2 = await closedPort();
      const gw = await startGateway(t, {
        upstreams: [{ name: 'dead-one', kind: dialect, base_url: `http://127.0.0.1:${p1}` },
          { name: 'dead-two', kind: dialect, base_url: `http://127.0.0.1:${p2}` }],
        routes: [{ to: ['dead-one', 'dead-two'] }],
      });
      const res = await http(`${gw.url}${path}`, { body: bodyFor(dialect), headers });
      assert.equal(res.status, 502, res.text);
      assert.match(errorMessage(dialect, res.json()), /dead-two/);
    });
  }
});

describe('config files', () => {
  const goodYaml = (url) => [
    'threads: 1',
    'auth: none',
    'upstreams:',
    '  - name: a',
    '    kind: anthropic',
    `    base_url: ${url}`,
    'routes:',
    '  - match: { model: "*" }',
    '    to: [a]',
    '',
  ].join('\n');

  test('spillway serve with a bad config exits non-zero printing file:line: message', async (t) => {
    const dir = tempDir(t);
    const typo = writeConfig(dir, goodYaml('http://127.0.0.1:9').replace('    base_url:', '    base_ur:'), 'typo.yaml');
    const res = await runCli(['serve', '--config', typo, '--listen', '127.0.0.1:0']);
    assert.equal(res.signal, null, 'exited by itself');
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, new RegExp(`${typo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6: .*base_ur`));
    assert.ok(!/listening on/.test(res.stdout), res.stdout);

    const unknownUpstream = writeConfig(dir, goodYaml('http://127.0.0.1:9').replace('to: [a]', 'to: [b]'), 'route.yaml');
    const res2 = await runCli(['serve', '--config', unknownUpstream, '--listen', '127.0.0.1:0']);
    assert.notEqual(res2.code, 0);
    assert.match(res2.stderr, /route\.yaml:9: .*'?b'?/);

    const missing = await runCli(['serve', '--config', join(dir, 'absent.yaml'), '--listen', '127.0.0.1:0']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /absent\.yaml/);
  });

  test('spillway check: exit 0 for a good file, 1 for a bad one', async (t) => {
    const dir = tempDir(t);
    const good = writeConfig(dir, goodYaml('http://127.0.0.1:9'), 'good.yaml');
    const ok = await runCli(['check', '--config', good]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /good\.yaml: ok \(1 upstreams, 1 routes\)/);

    const bad = writeConfig(dir, goodYaml('ftp://127.0.0.1:9'), 'bad.yaml');
    const ko = await runCli(['check', '--config', bad]);
    assert.equal(ko.code, 1, ko.stdout);
    assert.match(ko.stderr, /bad\.yaml:6: /);
  });
});

describe('secrets never leak', () => {
  const SECRET = `sk-secret-XYZ-${Math.random().toString(36).slice(2)}`;

  function assertClean(what, text) {
    assert.ok(!text.includes(SECRET), `the provider key appears in ${what}: ${text}`);
    assert.ok(!text.includes(SECRET.slice(0, 20)), `a prefix of the provider key appears in ${what}`);
  }

  function dumpResponse(res) {
    return `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${res.text}`;
  }

  test('failing requests of every kind do not reveal the provider key', async (t) => {
    const port = await closedPort();
    const needsOtherKey = await startMock(t, 'anthropic', ['--api-key', 'a-different-key']);
    const openaiNeedsKey = await startMock(t, 'openai', ['--api-key', 'a-different-key']);
    const staller = await startMock(t, 'anthropic');
    const slow = await startMock(t, 'openai', ['--latency-ms', '2000']);
    const env = { GWT_LEAK_KEY: SECRET };
    const gw = await startGateway(t, {
      upstreams: [
        { name: 'dead', kind: 'anthropic', base_url: `http://127.0.0.1:${port}`, api_key_env: 'GWT_LEAK_KEY' },
        upstreamFor('wrongkey', needsOtherKey, 'anthropic', { api_key_env: 'GWT_LEAK_KEY' }),
        upstreamFor('wrongkey-oai', openaiNeedsKey, 'openai', { api_key_env: 'GWT_LEAK_KEY' }),
        upstreamFor('staller', staller, 'anthropic', { api_key_env: 'GWT_LEAK_KEY', timeouts: { between_events_ms: 200 } }),
        upstreamFor('slow', slow, 'openai', { api_key_env: 'GWT_LEAK_KEY', timeouts: { first_byte_ms: 200 } }),
      ],
      routes: [
        { match: { model: 'dead' }, to: ['dead'] },
        { match: { model: 'wrongkey' }, to: ['wrongkey'] },
        { match: { model: 'wrongkey-oai' }, to: ['wrongkey-oai'] },
        { match: { model: 'staller' }, to: ['staller'] },
        { match: { model: 'slow' }, to: ['slow'] },
        { match: { model: 'chain' }, to: ['dead', 'wrongkey'] },
      ],
    }, { env });

    const a = { 'anthropic-version': ANTHROPIC_VERSION };
    const results = [];
    const send = async (path, body, headers) => {
      const res = await http(`${gw.url}${path}`, { body, headers });
      results.push(res);
      return res;
    };
    assert.equal((await send('/v1/messages', bodyFor('anthropic', { model: 'dead' }), a)).status, 502);
    assert.equal((await send('/v1/messages', bodyFor('anthropic', { model: 'dead', stream: true }), a)).status, 502);
    assert.equal((await send('/v1/messages', bodyFor('anthropic', { model: 'wrongkey' }), a)).status, 401);
    assert.equal((await send('/v1/messages', bodyFor('anthropic', { model: 'wrongkey', stream: true }), a)).status, 401);
    assert.equal((await send('/v1/messages', bodyFor('anthropic', { model: 'chain' }), a)).status, 401);
    assert.equal((await send('/v1/messages/count_tokens', bodyFor('anthropic', { model: 'wrongkey' }), a)).status, 401);
    assert.equal((await send('/v1/chat/completions', bodyFor('openai', { model: 'wrongkey-oai' }), {})).status, 401);
    assert.equal((await send('/v1/chat/completions', bodyFor('openai', { model: 'slow' }), {})).status, 504);
    assert.equal((await send('/v1/chat/completions', bodyFor('openai', { model: 'unknown' }), {})).status, 404);
    assert.equal((await send('/v1/chat/completions', '{"model": "slow", ', { 'content-type': 'application/json' })).status, 400);
    assert.equal((await send('/v1/models', undefined, {})).status, 200);
    assert.equal((await send('/readyz', undefined, {})).status, 200);
    assert.equal((await send('/metrics', undefined, {})).status, 200);
    const stalled = await rawRequest(gw.url, rawPost(gw.url, '/v1/messages', bodyFor('anthropic', { model: 'staller', stream: true }),
      { ...a, 'x-mock-stall-ms': '2000' }), { idleMs: 1500, waitClose: true });
    assert.equal(stalled.status, 200);
    assertClean('a broken stream', stalled.raw);

    results.forEach((res, i) => assertClean(`response ${i}`, dumpResponse(res)));
    await gw.stop();
    assertClean('gateway stdout', gw.stdout());
    assertClean('gateway stderr', gw.stderr());
  });

  test('config errors do not reveal the provider key', async (t) => {
    const dir = tempDir(t);
    const env = { GWT_LEAK_KEY: SECRET };
    const base = (extra) => `threads: 1\nupstreams:\n  - name: a\n    kind: anthropic\n    base_url: http://127.0.0.1:9\n${extra}`;
    const cases = {
      // the key pasted where a variable name belongs
      'pasted.yaml': base(`    api_key_env: ${SECRET}\n`),
      // a valid key variable next to a mistake
      'typo.yaml': base('    api_key_env: GWT_LEAK_KEY\n    modles: [x]\n'),
      // the variable is not set in the environment (value present under another name)
      'unset.yaml': base('    api_key_env: GWT_UNSET_VARIABLE\n'),
      // both key sources
      'both.yaml': base(`    api_key_env: GWT_LEAK_KEY\n    api_key_file: ${join(dir, 'nokey.txt')}\n`),
    };
    for (const [name, yaml] of Object.entries(cases)) {
      const path = writeConfig(dir, yaml, name);
      for (const cmd of ['serve', 'check']) {
        const args = cmd === 'serve' ? ['serve', '--config', path, '--listen', '127.0.0.1:0'] : ['check', '--config', path];
        const res = await runCli(args, { env });
        assert.notEqual(res.code, 0, `${cmd} ${name} should fail: ${res.stdout}`);
        assert.match(res.stderr, new RegExp(name.replace('.', '\\.')), `${cmd} ${name}: ${res.stderr}`);
        assertClean(`${cmd} ${name} stderr`, res.stderr);
        assertClean(`${cmd} ${name} stdout`, res.stdout);
      }
    }
    // A good config's check output does not print the key either.
    const good = writeConfig(dir, base('    api_key_env: GWT_LEAK_KEY\n'), 'good.yaml');
    const ok = await runCli(['check', '--config', good], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assertClean('check stdout', ok.stdout + ok.stderr);
  });
});
