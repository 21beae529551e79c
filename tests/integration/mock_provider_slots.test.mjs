// `spillway mock-provider --max-concurrency N` (requests beyond N wait in line, as vLLM queues
// them) and `GET /mock/stats` (the simulator's own counters), through real processes.
// Run: SPILLWAY_BIN=/path/to/spillway node --test tests/integration/mock_provider_slots.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

import { http, startMockProvider, stopProcessesAfter } from './lib/harness.mjs';

stopProcessesAfter();

const BODY = { model: 'local-model', max_tokens: 50, messages: [{ role: 'user', content: 'Hello there.' }] };

async function stats(mock) {
  const res = await http(`${mock.url}/mock/stats`);
  assert.equal(res.status, 200);
  return res.json();
}

// Polls the stats until `ready` holds; bounded (10 s), so a mock that never gets there fails.
async function statsUntil(mock, ready) {
  for (let i = 0; i < 200; ++i) {
    const s = await stats(mock);
    if (ready(s)) return s;
    await delay(50);
  }
  assert.fail(`mock stats never reached the expected state: ${JSON.stringify(await stats(mock))}`);
}

// A streaming request whose milestones (headers, end) are appended to `events` as they happen.
function tracked(mock, name, events, headers = {}) {
  return (async () => {
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ ...BODY, stream: true }),
    });
    events.push(`${name} headers`);
    const text = await res.text();
    events.push(`${name} done`);
    return { status: res.status, text };
  })();
}

describe('--max-concurrency', () => {
  test('a request beyond the slots waits until one frees, first come first served', async (t) => {
    const mock = await startMockProvider('openai', ['--max-concurrency', '1'], { t });
    const events = [];
    // A holds the only slot for a while: it stalls after its first token. B stalls too, so
    // C (behind B) gets its headers well after B's.
    const a = tracked(mock, 'a', events, { 'x-mock-stall-ms': '1500' });
    await statsUntil(mock, (s) => s.in_flight === 1 && s.waiting === 0);
    const b = tracked(mock, 'b', events, { 'x-mock-stall-ms': '1500' });
    await statsUntil(mock, (s) => s.waiting === 1);
    const c = tracked(mock, 'c', events);
    // The mock's own view: three admitted, one answering, two in line.
    const queued = await statsUntil(mock, (s) => s.waiting === 2);
    assert.equal(queued.limits.max_concurrency, 1);
    assert.equal(queued.in_flight, 3);

    const results = await Promise.all([a, b, c]);
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.match(r.text, /data: \[DONE\]/);
    }
    // In arrival order.
    const order = events.filter((e) => e.endsWith('headers'));
    assert.deepEqual(order, ['a headers', 'b headers', 'c headers']);
    const after = await stats(mock);
    assert.equal(after.waiting, 0);
    assert.equal(after.in_flight, 0);
    assert.equal(after.finished, 3);
  });

  test('without the flag requests do not wait for each other', { timeout: 20000 }, async (t) => {
    const mock = await startMockProvider('openai', [], { t });
    const events = [];
    // A stalls for ten minutes; B must be answered meanwhile (else this test times out).
    const held = new AbortController();
    const a = fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-stall-ms': '600000' },
      body: JSON.stringify({ ...BODY, stream: true }),
      signal: held.signal,
    }).then((res) => res.text()).catch(() => 'aborted');
    await statsUntil(mock, (s) => s.in_flight === 1);
    const b = await tracked(mock, 'b', events);
    assert.equal(b.status, 200);
    const s = await stats(mock);
    assert.equal(s.limits.max_concurrency, 0);
    assert.equal(s.waiting, 0);
    held.abort();
    assert.equal(await a, 'aborted');
  });

  test('a negative value is refused at start-up', async () => {
    await assert.rejects(startMockProvider('openai', ['--max-concurrency', '-1']));
  });
});

describe('GET /mock/stats', () => {
  test('counts requests, 429s and the input tokens admitted, with the bucket levels', async (t) => {
    const mock = await startMockProvider('anthropic', ['--rpm', '1', '--itpm', '1000', '--reply', 'one two three'], { t });
    const before = await stats(mock);
    assert.deepEqual(
      { requests: before.requests, admitted: before.admitted, rate_limited: before.rate_limited, input_tokens: before.input_tokens },
      { requests: 0, admitted: 0, rate_limited: 0, input_tokens: 0 },
    );
    assert.equal(before.available.input_tokens, 1000);
    assert.equal(before.available.output_tokens, null);  // not limited

    const first = await http(`${mock.url}/v1/messages`, { body: BODY });
    assert.equal(first.status, 200);
    const second = await http(`${mock.url}/v1/messages`, { body: BODY });
    assert.equal(second.status, 429);
    const forced = await http(`${mock.url}/v1/messages`, { body: BODY, headers: { 'x-mock-status': '500' } });
    assert.equal(forced.status, 500);

    const s = await stats(mock);
    const input = first.json().usage.input_tokens;
    assert.equal(s.requests, 3);
    assert.equal(s.admitted, 1);
    assert.equal(s.rate_limited, 1);
    assert.equal(s.errors, 1);
    assert.equal(s.finished, 1);
    assert.equal(s.input_tokens, input);
    assert.equal(s.output_tokens, 3);
    assert.deepEqual(s.limits, { rpm: 1, itpm: 1000, otpm: 0, max_concurrency: 0 });
    assert.ok(s.available.input_tokens < 1000 - input + 1, JSON.stringify(s.available));
    assert.ok(s.available.requests < 1, JSON.stringify(s.available));
  });

  test('is GET only', async (t) => {
    const mock = await startMockProvider('openai', [], { t });
    assert.equal((await http(`${mock.url}/mock/stats`, { body: {} })).status, 405);
  });
});
