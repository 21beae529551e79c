// The official Anthropic TypeScript SDK pointed at `spillway serve`, which forwards to the
// provider simulator. Run: SPILLWAY_BIN=... node --test tests/clients/
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import Anthropic from '@anthropic-ai/sdk';

import { stopProcessesAfter } from '../integration/lib/harness.mjs';
import { sha256hex, startGateway, startMock, suiteContext, upstreamFor } from '../integration/lib/gateway.mjs';

stopProcessesAfter();

const GATEWAY_KEY = 'sk-spillway-sdk-test-key-anthropic';
const REPLY = 'Foxes are quick and brown';
const TOOL = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('Anthropic SDK through the gateway', () => {
  const suite = suiteContext();
  let gw;
  let client;
  let stallGw;
  before(async () => {
    const mock = await startMock(suite, 'anthropic', ['--reply', REPLY]);
    const config = (extra = {}) => ({
      auth: [{ sha256: sha256hex(GATEWAY_KEY), name: 'sdk' }],
      upstreams: [upstreamFor('sim', mock, 'anthropic', { models: ['claude-sonnet-4-5'], ...extra })],
      routes: [
        { match: { model: 'claude-*' }, to: ['sim'] },
        { match: { model: 'fast' }, to: [{ upstream: 'sim', model: 'claude-haiku-real' }] },
      ],
    });
    gw = await startGateway(suite, config());
    stallGw = await startGateway(suite, config({ timeouts: { between_events_ms: 300 } }));
    client = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gw.url, maxRetries: 0, timeout: 20_000 });
  });

  test('messages.create (non-streaming)', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Tell me about foxes.' }],
    });
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.equal(msg.model, 'claude-sonnet-4-5');
    assert.deepEqual(msg.content, [{ type: 'text', text: REPLY }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.output_tokens, REPLY.split(' ').length);
    assert.ok(msg.usage.input_tokens > 0);
  });

  test('messages.create with a rewritten alias and withResponse()', async () => {
    const { data, response } = await client.messages.create({
      model: 'fast',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    }).withResponse();
    assert.equal(data.model, 'claude-haiku-real');
    assert.equal(response.headers.get('x-mock-received-model'), 'claude-haiku-real');
  });

  test('messages.stream() with finalMessage() and text events', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Stream about foxes.' }],
    });
    const deltas = [];
    stream.on('text', (delta) => deltas.push(delta));
    const msg = await stream.finalMessage();
    assert.equal(deltas.join(''), REPLY);
    assert.ok(deltas.length >= REPLY.split(' ').length, 'one delta per word at least');
    assert.equal(msg.content.length, 1);
    assert.equal(msg.content[0].type, 'text');
    assert.equal(msg.content[0].text, REPLY);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.output_tokens, REPLY.split(' ').length);
  });

  test('messages.create with stream: true yields the raw events in order', async () => {
    const stream = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      stream: true,
      messages: [{ role: 'user', content: 'raw events' }],
    });
    const types = [];
    for await (const event of stream) types.push(event.type);
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
    assert.ok(types.includes('content_block_delta'));
  });

  test('tool use via the x-mock-tool-call header: parsed input', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      tools: [TOOL],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    }, { headers: { 'x-mock-tool-call': 'get_weather {"city":"Paris","days":[1,2]}' } });
    assert.equal(msg.stop_reason, 'tool_use');
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(msg.content));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'Paris', days: [1, 2] });
    assert.match(use.id, /^toolu_/);
  });

  test('tool use streamed ("call tool NAME"): finalMessage() assembles the input', async () => {
    const text = 'please call tool get_weather for Lyon';
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      tools: [TOOL],
      messages: [{ role: 'user', content: text }],
    });
    const fragments = [];
    stream.on('inputJson', (partial) => fragments.push(partial));
    const msg = await stream.finalMessage();
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(msg.content));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { input: text });
    assert.ok(fragments.length >= 3, `arguments arrived in ${fragments.length} fragments`);

    // The follow-up with the tool result ends the loop with text.
    const next = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      tools: [TOOL],
      messages: [
        { role: 'user', content: text },
        { role: 'assistant', content: msg.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
      ],
    });
    assert.equal(next.stop_reason, 'end_turn');
    assert.equal(next.content[0].type, 'text');
  });

  test('messages.countTokens', async () => {
    const res = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    assert.equal(typeof res.input_tokens, 'number');
    assert.ok(res.input_tokens > 0);
  });

  test('models.list', async () => {
    const ids = [];
    for await (const m of client.models.list()) {
      assert.equal(m.type, 'model');
      ids.push(m.id);
    }
    assert.deepEqual(ids.sort(), ['claude-sonnet-4-5', 'fast']);
  });

  test('models.retrieve: a served model, and NotFoundError for another', async () => {
    const m = await client.models.retrieve('fast');
    assert.equal(m.id, 'fast');
    assert.equal(m.type, 'model');
    await assert.rejects(client.models.retrieve('no-such-model'), Anthropic.NotFoundError);
  });

  test('an unknown model raises Anthropic.NotFoundError', async () => {
    await assert.rejects(
      client.messages.create({ model: 'gpt-nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (err) => {
        assert.ok(err instanceof Anthropic.NotFoundError, `${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 404);
        assert.equal(err.error?.error?.type, 'not_found_error');
        assert.match(err.message, /gpt-nope/);
        return true;
      });
  });

  test('a bad gateway key raises Anthropic.AuthenticationError', async () => {
    const bad = new Anthropic({ apiKey: 'sk-wrong', baseURL: gw.url, maxRetries: 0 });
    await assert.rejects(
      bad.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (err) => {
        assert.ok(err instanceof Anthropic.AuthenticationError, `${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 401);
        return true;
      });
    await assert.rejects(bad.models.list(), Anthropic.AuthenticationError);
  });

  test('an upstream error status raises the matching typed error', async () => {
    await assert.rejects(
      client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-mock-status': '429' } }),
      Anthropic.RateLimitError);
    await assert.rejects(
      client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-mock-status': '529' } }),
      (err) => err instanceof Anthropic.APIError && err.status === 529);
  });

  test('a stream cut by an upstream stall raises an APIError from the stream', async () => {
    const stalled = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: stallGw.url, maxRetries: 0, timeout: 20_000 });
    const stream = stalled.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stall please' }],
    }, { headers: { 'x-mock-stall-ms': '3000' } });
    await assert.rejects(stream.finalMessage(), (err) => {
      assert.ok(err instanceof Anthropic.APIError, `${err?.constructor?.name}: ${err?.message}`);
      assert.match(err.message, /timed out|timeout/i);
      return true;
    });
  });
});
