// The official OpenAI TypeScript SDK pointed at `spillway serve` (base URL + /v1), which
// forwards to the provider simulator. Run: SPILLWAY_BIN=... node --test tests/clients/
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import OpenAI from 'openai';

import { stopProcessesAfter } from '../integration/lib/harness.mjs';
import { sha256hex, startGateway, startMock, suiteContext, upstreamFor } from '../integration/lib/gateway.mjs';

stopProcessesAfter();

const GATEWAY_KEY = 'sk-spillway-sdk-test-key-openai';
const REPLY = 'Local models never sleep at all';
const TOOL = {
  type: 'function',
  function: {
    name: 'read_file',
    description: 'Read a file',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
};

describe('OpenAI SDK through the gateway', () => {
  const suite = suiteContext();
  let gw;
  let stallGw;
  let client;
  before(async () => {
    const mock = await startMock(suite, 'openai', ['--reply', REPLY]);
    const config = (extra = {}) => ({
      auth: [{ sha256: sha256hex(GATEWAY_KEY), name: 'sdk' }],
      upstreams: [upstreamFor('local', mock, 'openai', { models: ['gpt-local-1'], ...extra })],
      routes: [
        { match: { model: 'gpt-*' }, to: ['local'] },
        { match: { model: 'coder' }, to: [{ upstream: 'local', model: 'qwen2.5-coder' }] },
      ],
    });
    gw = await startGateway(suite, config());
    stallGw = await startGateway(suite, config({ timeouts: { between_events_ms: 300 } }));
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });
  });

  test('chat.completions.create (non-streaming)', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-local-1',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say something.' }],
    });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, 'gpt-local-1');
    assert.equal(res.choices[0].message.role, 'assistant');
    assert.equal(res.choices[0].message.content, REPLY);
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.equal(res.usage.completion_tokens, REPLY.split(' ').length);
    assert.equal(res.usage.total_tokens, res.usage.prompt_tokens + res.usage.completion_tokens);
  });

  test('an alias is rewritten to the upstream model', async () => {
    const { data, response } = await client.chat.completions.create({
      model: 'coder',
      messages: [{ role: 'user', content: 'hi' }],
    }).withResponse();
    assert.equal(data.model, 'qwen2.5-coder');
    assert.equal(response.headers.get('x-mock-received-model'), 'qwen2.5-coder');
  });

  test('chat.completions.create with stream and include_usage: deltas and usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-local-1',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Stream please.' }],
    });
    let text = '';
    let usage = null;
    let finish = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta?.content || '';
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    assert.equal(text, REPLY);
    assert.equal(finish, 'stop');
    assert.ok(chunks >= REPLY.split(' ').length + 2, `${chunks} chunks`);
    assert.ok(usage, 'a usage chunk');
    assert.equal(usage.completion_tokens, REPLY.split(' ').length);
  });

  test('tool calls (non-streaming) via the x-mock-tool-call header', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-local-1',
      tools: [TOOL],
      messages: [{ role: 'user', content: 'Open the main file.' }],
    }, { headers: { 'x-mock-tool-call': 'read_file {"path":"src/main.cpp","lines":[1,20]}' } });
    const choice = res.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'read_file');
    assert.deepEqual(JSON.parse(call.function.arguments), { path: 'src/main.cpp', lines: [1, 20] });
  });

  test('tool calls streamed: arguments assembled from fragments', async () => {
    const args = { path: 'src/server/session.cpp', reason: 'find the routing table of the gateway' };
    const stream = await client.chat.completions.create({
      model: 'gpt-local-1',
      stream: true,
      tools: [TOOL],
      messages: [{ role: 'user', content: 'Read it.' }],
    }, { headers: { 'x-mock-tool-call': `read_file ${JSON.stringify(args)}` } });
    const calls = [];
    let fragments = 0;
    let finish = null;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (choice.finish_reason) finish = choice.finish_reason;
        for (const tc of choice.delta?.tool_calls || []) {
          if (!calls[tc.index]) calls[tc.index] = { id: '', name: '', arguments: '' };
          const c = calls[tc.index];
          if (tc.id) c.id = tc.id;
          if (tc.function?.name) c.name += tc.function.name;
          if (tc.function?.arguments) {
            c.arguments += tc.function.arguments;
            fragments += 1;
          }
        }
      }
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(calls.length, 1);
    assert.match(calls[0].id, /^call_/);
    assert.equal(calls[0].name, 'read_file');
    assert.ok(fragments >= 3, `arguments arrived in ${fragments} fragments`);
    assert.deepEqual(JSON.parse(calls[0].arguments), args);
  });

  test('chat.completions.stream() helper: finalChatCompletion() with a tool call', async () => {
    const text = 'call tool read_file on the readme';
    const runner = client.chat.completions.stream({
      model: 'gpt-local-1',
      tools: [TOOL],
      messages: [{ role: 'user', content: text }],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'read_file');
    assert.deepEqual(JSON.parse(call.function.arguments), { input: text });
  });

  test('models.list', async () => {
    const ids = [];
    for await (const m of client.models.list()) {
      assert.equal(m.object, 'model');
      ids.push(m.id);
    }
    assert.deepEqual(ids.sort(), ['coder', 'gpt-local-1']);
  });

  test('models.retrieve: a served model, and NotFoundError for another', async () => {
    const m = await client.models.retrieve('coder');
    assert.equal(m.id, 'coder');
    assert.equal(m.object, 'model');
    await assert.rejects(client.models.retrieve('no-such-model'), OpenAI.NotFoundError);
  });

  test('an unknown model raises OpenAI.NotFoundError', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'claude-nope', messages: [{ role: 'user', content: 'x' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.NotFoundError, `${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 404);
        assert.equal(err.code, 'model_not_found');
        assert.match(err.message, /claude-nope/);
        return true;
      });
  });

  test('a bad gateway key raises OpenAI.AuthenticationError', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      bad.chat.completions.create({ model: 'gpt-local-1', messages: [{ role: 'user', content: 'x' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.AuthenticationError, `${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 401);
        return true;
      });
    await assert.rejects(bad.models.list(), OpenAI.AuthenticationError);
  });

  test('upstream error statuses raise the matching typed errors', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-local-1', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-mock-status': '429' } }),
      OpenAI.RateLimitError);
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-local-1', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-mock-status': '400' } }),
      OpenAI.BadRequestError);
  });

  test('a malformed request body raises OpenAI.BadRequestError', async () => {
    await assert.rejects(
      client.post('/chat/completions', { body: { messages: [] } }),
      (err) => err instanceof OpenAI.BadRequestError && /model/.test(err.message));
  });

  test('a stream cut by an upstream stall raises an APIError from the stream', async () => {
    const stalled = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${stallGw.url}/v1`, maxRetries: 0, timeout: 20_000 });
    const stream = await stalled.chat.completions.create({
      model: 'gpt-local-1',
      stream: true,
      messages: [{ role: 'user', content: 'stall please' }],
    }, { headers: { 'x-mock-stall-ms': '3000' } });
    await assert.rejects(async () => {
      for await (const chunk of stream) {
        assert.ok(chunk);
      }
    }, (err) => {
      assert.ok(err instanceof OpenAI.APIError, `${err?.constructor?.name}: ${err?.message}`);
      assert.match(err.message, /timed out|timeout/i);
      return true;
    });
  });
});
