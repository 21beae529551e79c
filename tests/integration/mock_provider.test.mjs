// `spillway mock-provider` driven through real processes on loopback.
// Run: SPILLWAY_BIN=/path/to/spillway node --test tests/integration/mock_provider.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { http, sseEvents, startMockProvider, startProcess, stopProcessesAfter } from './lib/harness.mjs';

stopProcessesAfter();

const REPLY = 'The quick brown fox jumps';  // 5 words -> 5 output tokens
const MESSAGES = [{ role: 'user', content: 'Say something about foxes.' }];

function expectedInputTokens(body) {
  let bytes = 0;
  for (const key of ['messages', 'system', 'tools']) {
    if (body[key] !== undefined) bytes += Buffer.byteLength(JSON.stringify(body[key]));
  }
  return Math.ceil(bytes / 4);
}

function words(text) {
  return text.split(/\s+/).filter((w) => w.length > 0).length;
}

// Sends a request and resolves with the ms from sending to the first body bytes and the
// whole body text.
async function timedStream(url, body, headers = {}) {
  const start = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let firstMs = null;
  const chunkTimes = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const now = performance.now() - start;
    if (firstMs === null) firstMs = now;
    text += decoder.decode(value, { stream: true });
    chunkTimes.push({ at: now, text });
  }
  return { status: res.status, headers: res.headers, firstMs, totalMs: performance.now() - start, text, chunkTimes };
}

describe('anthropic dialect', () => {
  test('non-streaming message echoes the model and counts tokens', async (t) => {
    const mock = await startMockProvider('anthropic', ['--reply', REPLY], { t });
    const body = {
      model: 'claude-test-1',
      max_tokens: 100,
      system: 'You are terse.',
      tools: [{ name: 'read_file', input_schema: { type: 'object' } }],
      messages: MESSAGES,
    };
    const res = await http(`${mock.url}/v1/messages`, {
      body,
      headers: { 'x-api-key': 'secret-value', 'anthropic-version': '2023-06-01', 'x-echo-trace': 'abc123' },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /application\/json/);
    const msg = res.json();
    assert.match(msg.id, /^msg_/);
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.equal(msg.model, 'claude-test-1');
    assert.deepEqual(msg.content, [{ type: 'text', text: REPLY }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.stop_sequence, null);
    assert.equal(msg.usage.input_tokens, expectedInputTokens(body));
    assert.equal(msg.usage.output_tokens, words(REPLY));

    assert.equal(res.headers.get('x-mock-received-model'), 'claude-test-1');
    const received = res.headers.get('x-mock-received-headers').split(',');
    for (const name of ['x-api-key', 'anthropic-version', 'x-echo-trace', 'content-type']) {
      assert.ok(received.includes(name), `${name} missing from ${received}`);
    }
    assert.equal(res.headers.get('x-echo-trace'), 'abc123');
    assert.match(res.headers.get('request-id'), /^req_/);
    // Auth header values are never reflected.
    for (const [, value] of res.headers) {
      assert.ok(!value.includes('secret-value'));
    }
    assert.ok(!res.text.includes('secret-value'));
  });

  test('streaming sends named events in order with usage', async (t) => {
    const mock = await startMockProvider('anthropic', ['--reply', REPLY], { t });
    const body = { model: 'claude-stream', max_tokens: 100, stream: true, messages: MESSAGES };
    const res = await http(`${mock.url}/v1/messages`, { body });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    const events = sseEvents(res.text);
    const names = events.map((e) => e.event);
    const deltas = events.filter((e) => e.event === 'content_block_delta');
    assert.deepEqual(names, [
      'message_start', 'content_block_start', 'ping',
      ...deltas.map(() => 'content_block_delta'),
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    for (const e of events) {
      assert.equal(JSON.parse(e.data).type, e.event, 'data.type matches the event name');
    }
    const start = JSON.parse(events[0].data).message;
    assert.equal(start.model, 'claude-stream');
    assert.match(start.id, /^msg_/);
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    assert.equal(start.usage.input_tokens, expectedInputTokens(body));
    assert.equal(deltas.length, words(REPLY), 'one delta per word');
    const text = deltas.map((e) => JSON.parse(e.data).delta)
      .map((d) => { assert.equal(d.type, 'text_delta'); return d.text; }).join('');
    assert.equal(text, REPLY);
    const messageDelta = JSON.parse(events.at(-2).data);
    assert.equal(messageDelta.delta.stop_reason, 'end_turn');
    assert.equal(messageDelta.usage.output_tokens, words(REPLY));
  });

  test('tool call streams its input in at least three fragments', async (t) => {
    const mock = await startMockProvider('anthropic', [], { t });
    const args = { path: 'src/main.cpp', lines: [1, 20] };
    const res = await http(`${mock.url}/v1/messages`, {
      body: { model: 'claude-tools', max_tokens: 100, stream: true, messages: MESSAGES },
      headers: { 'x-mock-tool-call': `read_file ${JSON.stringify(args)}` },
    });
    assert.equal(res.status, 200);
    const events = sseEvents(res.text).map((e) => ({ event: e.event, data: JSON.parse(e.data) }));
    const blockStart = events.find((e) => e.event === 'content_block_start').data.content_block;
    assert.equal(blockStart.type, 'tool_use');
    assert.equal(blockStart.name, 'read_file');
    assert.match(blockStart.id, /^toolu_/);
    const fragments = events.filter((e) => e.event === 'content_block_delta').map((e) => {
      assert.equal(e.data.delta.type, 'input_json_delta');
      return e.data.delta.partial_json;
    });
    assert.ok(fragments.length >= 3, `only ${fragments.length} fragments`);
    assert.deepEqual(JSON.parse(fragments.join('')), args);
    const messageDelta = events.find((e) => e.event === 'message_delta').data;
    assert.equal(messageDelta.delta.stop_reason, 'tool_use');
  });

  test('non-streaming tool call from "call tool NAME" in the last user message', async (t) => {
    const mock = await startMockProvider('anthropic', [], { t });
    const text = 'please call tool lookup_weather for Paris';
    const res = await http(`${mock.url}/v1/messages`, {
      body: {
        model: 'claude-tools', max_tokens: 100,
        tools: [{ name: 'lookup_weather', input_schema: { type: 'object' } }],
        messages: [{ role: 'user', content: [{ type: 'text', text }] }],
      },
    });
    assert.equal(res.status, 200);
    const msg = res.json();
    assert.equal(msg.stop_reason, 'tool_use');
    assert.equal(msg.content[0].type, 'tool_use');
    assert.equal(msg.content[0].name, 'lookup_weather');
    assert.deepEqual(msg.content[0].input, { input: text });
  });

  test('count_tokens and models', async (t) => {
    const mock = await startMockProvider('anthropic', [], { t });
    const body = { model: 'claude-x', messages: MESSAGES, system: 'hi' };
    const res = await http(`${mock.url}/v1/messages/count_tokens?beta=true`, { body });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { input_tokens: expectedInputTokens(body) });
    const models = await http(`${mock.url}/v1/models`);
    assert.equal(models.status, 200);
    assert.ok(models.json().data.length > 0);
    assert.equal(models.json().data[0].type, 'model');
  });

  test('max_tokens truncates the reply', async (t) => {
    const mock = await startMockProvider('anthropic', ['--reply', REPLY], { t });
    const res = await http(`${mock.url}/v1/messages`, {
      body: { model: 'm', max_tokens: 2, messages: MESSAGES },
    });
    const msg = res.json();
    assert.equal(msg.stop_reason, 'max_tokens');
    assert.equal(msg.usage.output_tokens, 2);
    assert.equal(msg.content[0].text, 'The quick ');
  });
});

describe('openai dialect', () => {
  test('non-streaming chat completion', async (t) => {
    const mock = await startMockProvider('openai', ['--reply', REPLY], { t });
    const body = { model: 'gpt-test', messages: MESSAGES };
    const res = await http(`${mock.url}/v1/chat/completions`, {
      body, headers: { authorization: 'Bearer sk-never-echoed' },
    });
    assert.equal(res.status, 200);
    const c = res.json();
    assert.match(c.id, /^chatcmpl-/);
    assert.equal(c.object, 'chat.completion');
    assert.equal(c.model, 'gpt-test');
    assert.equal(typeof c.created, 'number');
    assert.equal(c.choices.length, 1);
    assert.equal(c.choices[0].message.role, 'assistant');
    assert.equal(c.choices[0].message.content, REPLY);
    assert.equal(c.choices[0].finish_reason, 'stop');
    assert.equal(c.usage.prompt_tokens, expectedInputTokens(body));
    assert.equal(c.usage.completion_tokens, words(REPLY));
    assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
    assert.ok(res.headers.get('x-mock-received-headers').split(',').includes('authorization'));
    assert.ok(!res.text.includes('sk-never-echoed'));
    for (const [, value] of res.headers) {
      assert.ok(!value.includes('sk-never-echoed'));
    }
  });

  test('path without /v1 is accepted too', async (t) => {
    const mock = await startMockProvider('openai', [], { t });
    const res = await http(`${mock.url}/chat/completions`, { body: { model: 'g', messages: MESSAGES } });
    assert.equal(res.status, 200);
    assert.equal(res.json().object, 'chat.completion');
  });

  test('streaming chunks: role first, content deltas, finish, usage, [DONE]', async (t) => {
    const mock = await startMockProvider('openai', ['--reply', REPLY], { t });
    const body = { model: 'gpt-stream', stream: true, stream_options: { include_usage: true }, messages: MESSAGES };
    const res = await http(`${mock.url}/v1/chat/completions`, { body });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    const events = sseEvents(res.text);
    assert.ok(events.every((e) => e.event === ''), 'data-only frames');
    assert.equal(events.at(-1).data, '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    for (const c of chunks) {
      assert.equal(c.object, 'chat.completion.chunk');
      assert.equal(c.model, 'gpt-stream');
      assert.match(c.id, /^chatcmpl-/);
    }
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'one id for the whole stream');
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const usageChunk = chunks.at(-1);
    assert.deepEqual(usageChunk.choices, []);
    assert.equal(usageChunk.usage.prompt_tokens, expectedInputTokens(body));
    assert.equal(usageChunk.usage.completion_tokens, words(REPLY));
    const finish = chunks.at(-2);
    assert.equal(finish.choices[0].finish_reason, 'stop');
    assert.equal(finish.usage, null);
    const contentChunks = chunks.slice(1, -2);
    assert.equal(contentChunks.length, words(REPLY));
    assert.equal(contentChunks.map((c) => c.choices[0].delta.content).join(''), REPLY);
  });

  test('streaming without include_usage has no usage chunk', async (t) => {
    const mock = await startMockProvider('openai', ['--reply', REPLY], { t });
    const res = await http(`${mock.url}/v1/chat/completions`, {
      body: { model: 'g', stream: true, messages: MESSAGES },
    });
    const chunks = sseEvents(res.text).slice(0, -1).map((e) => JSON.parse(e.data));
    assert.ok(chunks.every((c) => c.usage === undefined));
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
  });

  test('tool call streams id and name first, then arguments in fragments', async (t) => {
    const mock = await startMockProvider('openai', [], { t });
    const args = { query: 'rate limits', top_k: 5 };
    const res = await http(`${mock.url}/v1/chat/completions`, {
      body: { model: 'g', stream: true, messages: MESSAGES },
      headers: { 'x-mock-tool-call': `search ${JSON.stringify(args)}` },
    });
    const chunks = sseEvents(res.text).slice(0, -1).map((e) => JSON.parse(e.data));
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    assert.ok(toolDeltas.length >= 4, 'header fragment + >= 3 argument fragments');
    assert.equal(toolDeltas[0].index, 0);
    assert.match(toolDeltas[0].id, /^call_/);
    assert.equal(toolDeltas[0].type, 'function');
    assert.equal(toolDeltas[0].function.name, 'search');
    const rest = toolDeltas.slice(1);
    assert.ok(rest.length >= 3);
    for (const d of rest) {
      assert.equal(d.id, undefined);
      assert.equal(d.function.name, undefined);
    }
    const joined = toolDeltas.map((d) => d.function.arguments).join('');
    assert.deepEqual(JSON.parse(joined), args);
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
  });

  test('models list', async (t) => {
    const mock = await startMockProvider('openai', [], { t });
    const res = await http(`${mock.url}/v1/models`);
    assert.equal(res.status, 200);
    assert.equal(res.json().object, 'list');
    assert.equal(res.json().data[0].object, 'model');
  });
});

describe('scripted replies', () => {
  test('--script entries are used in order and cycle', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-mock-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'script.json');
    writeFileSync(script, JSON.stringify([
      { text: 'first reply' },
      { tool: 'lookup', input: { q: 'x' } },
      { status: 529 },
    ]));
    const mock = await startMockProvider('anthropic', ['--script', script], { t });
    const send = () => http(`${mock.url}/v1/messages`, {
      body: { model: 'm', max_tokens: 10, messages: MESSAGES },
    });
    const r1 = await send();
    assert.equal(r1.json().content[0].text, 'first reply');
    const r2 = await send();
    assert.equal(r2.json().content[0].type, 'tool_use');
    assert.deepEqual(r2.json().content[0].input, { q: 'x' });
    const r3 = await send();
    assert.equal(r3.status, 529);
    assert.equal(r3.json().error.type, 'overloaded_error');
    const r4 = await send();
    assert.equal(r4.json().content[0].text, 'first reply');
  });

  test('a bad script file stops start-up with a message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-mock-'));
    try {
      const script = join(dir, 'bad.json');
      writeFileSync(script, '[{"nothing": 1}]');
      await assert.rejects(startMockProvider('openai', ['--script', script]), /entry 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('x-mock-reply overrides the text', async (t) => {
    const mock = await startMockProvider('openai', [], { t });
    const res = await http(`${mock.url}/v1/chat/completions`, {
      body: { model: 'g', messages: MESSAGES }, headers: { 'x-mock-reply': 'custom words here' },
    });
    assert.equal(res.json().choices[0].message.content, 'custom words here');
    assert.equal(res.json().usage.completion_tokens, 3);
  });
});

describe('errors', () => {
  test('x-mock-status forces errors in the dialect shape', async (t) => {
    const anthropic = await startMockProvider('anthropic', [], { t });
    const openai = await startMockProvider('openai', [], { t });
    const cases = [
      [anthropic, '/v1/messages', '529', 'overloaded_error'],
      [anthropic, '/v1/messages', '500', 'api_error'],
      [anthropic, '/v1/messages', '429', 'rate_limit_error'],
      [openai, '/v1/chat/completions', '503', 'server_error'],
      [openai, '/v1/chat/completions', '500', 'server_error'],
    ];
    for (const [mock, path, status, type] of cases) {
      const res = await http(`${mock.url}${path}`, {
        body: { model: 'm', max_tokens: 5, messages: MESSAGES }, headers: { 'x-mock-status': status },
      });
      assert.equal(res.status, Number(status));
      const err = res.json();
      if (mock === anthropic) {
        assert.equal(err.type, 'error');
        assert.equal(err.error.type, type);
        assert.equal(typeof err.error.message, 'string');
      } else {
        assert.equal(err.error.type, type);
        assert.equal(typeof err.error.message, 'string');
      }
      if (status === '429') {
        assert.match(res.headers.get('retry-after'), /^\d+$/);
      }
    }
  });

  test('unknown path is 404 in the dialect, query strings are ignored when routing', async (t) => {
    const anthropic = await startMockProvider('anthropic', [], { t });
    const openai = await startMockProvider('openai', [], { t });
    const a = await http(`${anthropic.url}/v1/nothing-here?x=1`);
    assert.equal(a.status, 404);
    assert.equal(a.json().error.type, 'not_found_error');
    const o = await http(`${openai.url}/v1/messages`, { body: { model: 'm', messages: MESSAGES } });
    assert.equal(o.status, 404);
    assert.ok(o.json().error.message.length > 0);
    const ok = await http(`${anthropic.url}/v1/messages?beta=true`, {
      body: { model: 'm', max_tokens: 5, messages: MESSAGES },
    });
    assert.equal(ok.status, 200);
  });

  test('malformed JSON is 400 invalid_request_error', async (t) => {
    const anthropic = await startMockProvider('anthropic', [], { t });
    const openai = await startMockProvider('openai', [], { t });
    const headers = { 'content-type': 'application/json' };
    const a = await http(`${anthropic.url}/v1/messages`, { body: '{"model": "m", "messages": [', headers });
    assert.equal(a.status, 400);
    assert.equal(a.json().error.type, 'invalid_request_error');
    const o = await http(`${openai.url}/v1/chat/completions`, { body: 'not json', headers });
    assert.equal(o.status, 400);
    assert.equal(o.json().error.type, 'invalid_request_error');
    const noModel = await http(`${openai.url}/v1/chat/completions`, { body: { messages: MESSAGES } });
    assert.equal(noModel.status, 400);
  });

  test('--api-key: missing or wrong key is 401, the right one passes', async (t) => {
    const anthropic = await startMockProvider('anthropic', ['--api-key', 'k-anthropic'], { t });
    const openai = await startMockProvider('openai', ['--api-key', 'k-openai'], { t });
    const body = { model: 'm', max_tokens: 5, messages: MESSAGES };
    const a0 = await http(`${anthropic.url}/v1/messages`, { body });
    assert.equal(a0.status, 401);
    assert.equal(a0.json().error.type, 'authentication_error');
    const a1 = await http(`${anthropic.url}/v1/messages`, { body, headers: { 'x-api-key': 'wrong' } });
    assert.equal(a1.status, 401);
    const a2 = await http(`${anthropic.url}/v1/messages`, { body, headers: { 'x-api-key': 'k-anthropic' } });
    assert.equal(a2.status, 200);
    const o0 = await http(`${openai.url}/v1/chat/completions`, { body, headers: { authorization: 'Bearer wrong' } });
    assert.equal(o0.status, 401);
    assert.equal(o0.json().error.code, 'invalid_api_key');
    const o1 = await http(`${openai.url}/v1/chat/completions`, { body, headers: { authorization: 'Bearer k-openai' } });
    assert.equal(o1.status, 200);
  });

  test('--fail-529-rate 1 makes every request overloaded', async (t) => {
    const anthropic = await startMockProvider('anthropic', ['--fail-529-rate', '1'], { t });
    const openai = await startMockProvider('openai', ['--fail-529-rate', '1'], { t });
    const body = { model: 'm', max_tokens: 5, messages: MESSAGES };
    const a = await http(`${anthropic.url}/v1/messages`, { body });
    assert.equal(a.status, 529);
    assert.equal(a.json().error.type, 'overloaded_error');
    const o = await http(`${openai.url}/v1/chat/completions`, { body });
    assert.equal(o.status, 503);
  });
});

describe('rate limits', () => {
  test('anthropic --rpm 2: the third immediate request gets 429 with retry-after', async (t) => {
    const mock = await startMockProvider('anthropic', ['--rpm', '2'], { t });
    const send = () => http(`${mock.url}/v1/messages`, { body: { model: 'm', max_tokens: 5, messages: MESSAGES } });
    const r1 = await send();
    const r2 = await send();
    const r3 = await send();
    assert.equal(r1.status, 200);
    assert.equal(r2.status, 200);
    assert.equal(r3.status, 429);
    assert.equal(r1.headers.get('anthropic-ratelimit-requests-limit'), '2');
    assert.equal(r1.headers.get('anthropic-ratelimit-requests-remaining'), '1');
    assert.equal(r2.headers.get('anthropic-ratelimit-requests-remaining'), '0');
    assert.match(r1.headers.get('anthropic-ratelimit-requests-reset'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const retryAfter = Number(r3.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 30, `retry-after ${retryAfter}`);
    assert.equal(r3.headers.get('anthropic-ratelimit-requests-limit'), '2');
    assert.equal(r3.json().error.type, 'rate_limit_error');
    assert.match(r3.json().error.message, /requests/);
    // Unlimited dimensions get no headers.
    assert.equal(r1.headers.get('anthropic-ratelimit-input-tokens-limit'), null);
    assert.equal(r1.headers.get('anthropic-ratelimit-output-tokens-limit'), null);
  });

  test('openai --rpm 2 --itpm: x-ratelimit headers and a 429 naming the limit', async (t) => {
    const mock = await startMockProvider('openai', ['--rpm', '2', '--itpm', '6000'], { t });
    const send = () => http(`${mock.url}/v1/chat/completions`, { body: { model: 'm', messages: MESSAGES } });
    const r1 = await send();
    assert.equal(r1.status, 200);
    assert.equal(r1.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(r1.headers.get('x-ratelimit-remaining-requests'), '1');
    assert.match(r1.headers.get('x-ratelimit-reset-requests'), /^(\d+h)?(\d+m)?[\d.]+m?s$/);
    assert.equal(r1.headers.get('x-ratelimit-limit-tokens'), '6000');
    const used = expectedInputTokens({ messages: MESSAGES });
    // The bucket refills at 100 tokens/s, so allow for a few ms between admission and headers.
    const remaining = Number(r1.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(remaining >= 6000 - used && remaining <= 6000 - used + 2, `remaining ${remaining}`);
    await send();
    const r3 = await send();
    assert.equal(r3.status, 429);
    assert.match(r3.headers.get('retry-after'), /^\d+$/);
    assert.equal(r3.json().error.code, 'rate_limit_exceeded');
    assert.match(r3.json().error.message, /requests per minute/);
  });

  test('--itpm refuses a request that needs more input tokens than remain', async (t) => {
    const mock = await startMockProvider('anthropic', ['--itpm', '200'], { t });
    const big = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(500) }] };
    const need = expectedInputTokens(big);
    assert.ok(need > 100 && need < 200);
    const r1 = await http(`${mock.url}/v1/messages`, { body: big });
    assert.equal(r1.status, 200);
    const remaining = Number(r1.headers.get('anthropic-ratelimit-input-tokens-remaining'));
    assert.ok(remaining >= 200 - need && remaining <= 200 - need + 1, `remaining ${remaining}`);
    const r2 = await http(`${mock.url}/v1/messages`, { body: big });
    assert.equal(r2.status, 429);
    assert.match(r2.json().error.message, /input tokens/);
    const retryAfter = Number(r2.headers.get('retry-after'));
    // Needs (need - (200 - need)) tokens at 200/60 per second.
    const expected = Math.ceil((need - (200 - need)) / (200 / 60));
    assert.ok(retryAfter >= expected - 1 && retryAfter <= expected, `retry-after ${retryAfter}, expected ~${expected}`);
  });

  test('--otpm counts generated tokens; an exhausted bucket refuses the next request', async (t) => {
    const mock = await startMockProvider('anthropic', ['--otpm', '3', '--reply', REPLY], { t });
    const body = { model: 'm', max_tokens: 50, messages: MESSAGES };
    const r1 = await http(`${mock.url}/v1/messages`, { body });
    assert.equal(r1.status, 200);  // 5 tokens generated: the bucket goes to -2
    const r2 = await http(`${mock.url}/v1/messages`, { body });
    assert.equal(r2.status, 429);
    assert.match(r2.json().error.message, /output tokens/);
    assert.equal(r2.headers.get('anthropic-ratelimit-output-tokens-remaining'), '0');
  });
});

describe('timing', () => {
  test('--ttft-ms: the first event arrives no sooner than the ttft', async (t) => {
    const ttft = 300;
    const anthropic = await startMockProvider('anthropic', ['--ttft-ms', String(ttft)], { t });
    const openai = await startMockProvider('openai', ['--ttft-ms', String(ttft)], { t });
    const a = await timedStream(`${anthropic.url}/v1/messages`, { model: 'm', max_tokens: 9, stream: true, messages: MESSAGES });
    assert.equal(a.status, 200);
    assert.ok(a.firstMs >= ttft, `first event after ${a.firstMs} ms`);
    assert.equal(sseEvents(a.text)[0].event, 'message_start');
    const o = await timedStream(`${openai.url}/v1/chat/completions`, { model: 'm', stream: true, messages: MESSAGES });
    assert.ok(o.firstMs >= ttft, `first chunk after ${o.firstMs} ms`);
    const start = performance.now();
    const plain = await http(`${openai.url}/v1/chat/completions`, { body: { model: 'm', messages: MESSAGES } });
    assert.equal(plain.status, 200);
    assert.ok(performance.now() - start >= ttft, 'non-streaming replies wait for the ttft too');
  });

  test('--tokens-per-s paces the tokens after the first', async (t) => {
    const mock = await startMockProvider('openai', ['--tokens-per-s', '20', '--reply', REPLY], { t });
    const r = await timedStream(`${mock.url}/v1/chat/completions`, { model: 'm', stream: true, messages: MESSAGES });
    // 5 tokens at 20/s: at least 4 gaps of 50 ms after the first. Measured from the request's
    // start, which precedes the first token for sure; the gap between two arrivals would also
    // include the client's own delays and could read short.
    assert.ok(r.totalMs >= 4 * 50, `stream took ${r.totalMs} ms`);
    assert.ok(r.chunkTimes.length >= 3, 'tokens arrive in separate writes');
  });

  test('x-mock-stall-ms pauses the stream after the first token', async (t) => {
    const mock = await startMockProvider('anthropic', ['--reply', REPLY], { t });
    const r = await timedStream(`${mock.url}/v1/messages`, { model: 'm', max_tokens: 50, stream: true, messages: MESSAGES },
      { 'x-mock-stall-ms': '300' });
    assert.equal(r.status, 200);
    assert.ok(r.totalMs >= 300, `stream took ${r.totalMs} ms`);
    const first = r.chunkTimes[0].text;
    assert.ok(first.includes('content_block_delta'), 'first token sent before the stall');
    assert.ok(!first.includes('message_stop'));
  });
});

describe('process', () => {
  test('SIGTERM exits cleanly', async () => {
    const mock = await startMockProvider('openai', []);
    const res = await http(`${mock.url}/v1/models`);
    assert.equal(res.status, 200);
    const { code, signal } = await mock.stop();
    assert.equal(code, 0);
    assert.equal(signal, null);
  });

  test('--threads 2 serves on one port', async (t) => {
    const mock = await startMockProvider('openai', ['--threads', '2'], { t });
    const results = await Promise.all(Array.from({ length: 20 }, () =>
      http(`${mock.url}/v1/chat/completions`, { body: { model: 'm', messages: MESSAGES } })));
    assert.ok(results.every((r) => r.status === 200));
  });

  test('bad flags are refused', async () => {
    await assert.rejects(startMockProvider('cobol', []), /exited early/);
    await assert.rejects(
      startProcess(['mock-provider', '--dialect', 'openai', '--listen', '127.0.0.1:99999']),
      /exited early/);
  });

  test('--tls-cert/--tls-key serve HTTPS', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
        '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    } catch {
      t.skip('openssl CLI not available');
      return;
    }
    const mock = await startMockProvider('anthropic', ['--tls-cert', cert, '--tls-key', key], { t });
    assert.match(mock.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(cert);
    const body = JSON.stringify({ model: 'tls-model', max_tokens: 5, messages: MESSAGES });
    const { status, text } = await new Promise((resolve, reject) => {
      const req = https.request(`${mock.url}/v1/messages`, {
        method: 'POST', ca, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { data += d; });
        res.on('end', () => resolve({ status: res.statusCode, text: data }));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(status, 200);
    assert.equal(JSON.parse(text).model, 'tls-model');
  });
});
