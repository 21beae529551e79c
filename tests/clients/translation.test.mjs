// Each SDK through spillway to an upstream that speaks the OTHER dialect: the Anthropic SDK
// (Claude Code's) reaching an OpenAI-compatible server, and the OpenAI SDK reaching an
// Anthropic-style API; tool loops included.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import { stopProcessesAfter } from '../integration/lib/harness.mjs';
import { metrics, startGateway, startMock, suiteContext, upstreamFor } from '../integration/lib/gateway.mjs';

stopProcessesAfter();

const REPLY = 'Translated across dialects just fine';
const ANTHROPIC_TOOL = {
  name: 'read_file',
  description: 'Read a file',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};
const OPENAI_TOOL = {
  type: 'function',
  function: { name: 'read_file', description: 'Read a file', parameters: ANTHROPIC_TOOL.input_schema },
};

describe('translation between dialects', () => {
  const suite = suiteContext();
  let gw;
  let anthropic;
  let openai;
  before(async () => {
    const local = await startMock(suite, 'openai', ['--reply', REPLY]);
    const claude = await startMock(suite, 'anthropic', ['--reply', REPLY]);
    gw = await startGateway(suite, {
      upstreams: [upstreamFor('local', local, 'openai'), upstreamFor('claude', claude, 'anthropic')],
      routes: [
        { match: { model: 'claude-*' }, to: [{ upstream: 'local', model: 'qwen2.5-coder' }] },
        { match: { model: '*' }, to: [{ upstream: 'claude', model: 'claude-sonnet-4-5' }] },
      ],
    });
    anthropic = new Anthropic({ apiKey: 'unused', baseURL: gw.url, maxRetries: 0, timeout: 20_000 });
    openai = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });
  });

  test('Anthropic SDK -> OpenAI upstream: messages.create', async () => {
    const { data: msg, response } = await anthropic.messages.create({
      model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be brief.',
      messages: [{ role: 'user', content: 'Say something.' }],
    }).withResponse();
    assert.equal(response.headers.get('x-spillway-upstream'), 'local');
    assert.equal(msg.type, 'message');
    assert.equal(msg.model, 'claude-sonnet-4-5');
    assert.deepEqual(msg.content, [{ type: 'text', text: REPLY }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.output_tokens, REPLY.split(' ').length);
  });

  test('Anthropic SDK -> OpenAI upstream: a streamed tool loop', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-5', max_tokens: 200, tools: [ANTHROPIC_TOOL],
      messages: [{ role: 'user', content: 'please call tool read_file now' }],
    });
    const first = await stream.finalMessage();
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(first.content));
    assert.equal(use.name, 'read_file');
    assert.equal(typeof use.input, 'object');
    // The tool result goes back as an OpenAI `tool` message; the loop ends with text.
    const second = await anthropic.messages.stream({
      model: 'claude-sonnet-4-5', max_tokens: 200, tools: [ANTHROPIC_TOOL],
      messages: [
        { role: 'user', content: 'please call tool read_file now' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'file contents' }] },
      ],
    }).finalMessage();
    assert.equal(second.stop_reason, 'end_turn');
    assert.deepEqual(second.content.map((b) => b.type), ['text']);
    assert.equal(second.content[0].text, REPLY);
    assert.equal(second.usage.output_tokens, REPLY.split(' ').length);
  });

  test('OpenAI SDK -> Anthropic upstream: create and stream with usage', async () => {
    const done = await openai.chat.completions.create({
      model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
    });
    assert.equal(done.object, 'chat.completion');
    assert.equal(done.model, 'gpt-4o');
    assert.equal(done.choices[0].message.content, REPLY);
    assert.equal(done.choices[0].finish_reason, 'stop');
    assert.equal(done.usage.completion_tokens, REPLY.split(' ').length);

    const stream = await openai.chat.completions.create({
      model: 'gpt-4o', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, REPLY);
    assert.equal(finish, 'stop');
    assert.equal(usage.completion_tokens, REPLY.split(' ').length);
  });

  test('OpenAI SDK -> Anthropic upstream: streamed tool call arguments assemble', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o', stream: true, tools: [OPENAI_TOOL],
      messages: [{ role: 'user', content: 'please call tool read_file now' }],
    });
    let args = '';
    let name = null;
    let finish = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
        name = call.function?.name ?? name;
        args += call.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(name, 'read_file');
    assert.equal(finish, 'tool_calls');
    assert.equal(typeof JSON.parse(args), 'object');
  });

  test('an upstream error reaches the client in its own dialect, message kept', async () => {
    await assert.rejects(
      anthropic.messages.create({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-mock-status': '429' } }),
      (err) => err instanceof Anthropic.RateLimitError && err.error?.type === 'error',
    );
    const m = await metrics(gw.url);
    assert.ok(m.spillway_requests_total > 0);
  });
});

describe('keep-alive pings while a local model is silent', () => {
  const suite = suiteContext();
  let gw;
  before(async () => {
    // Response headers at once, the first token after 800 ms: a long prompt being read.
    const slow = await startMock(suite, 'openai', ['--reply', REPLY, '--ttft-ms', '800']);
    const slowClaude = await startMock(suite, 'anthropic', ['--reply', REPLY, '--ttft-ms', '800']);
    gw = await startGateway(suite, {
      limits: { stream_ping_ms: 100 },
      upstreams: [upstreamFor('slow', slow, 'openai'), upstreamFor('slow-claude', slowClaude, 'anthropic')],
      routes: [
        { match: { model: 'claude-*' }, to: [{ upstream: 'slow', model: 'qwen2.5-coder' }] },
        { match: { model: '*' }, to: [{ upstream: 'slow-claude', model: 'claude-sonnet-4-5' }] },
      ],
    });
  });

  test('the Anthropic SDK streams through pings (before message_start) to the whole answer', async () => {
    const before = (await metrics(gw.url)).spillway_stream_pings_sent_total;
    const anthropic = new Anthropic({ apiKey: 'unused', baseURL: gw.url, maxRetries: 0, timeout: 20_000 });
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Take your time.' }],
    });
    const msg = await stream.finalMessage();
    assert.deepEqual(msg.content, [{ type: 'text', text: REPLY }]);
    assert.equal(msg.stop_reason, 'end_turn');
    const pings = (await metrics(gw.url)).spillway_stream_pings_sent_total - before;
    assert.ok(pings >= 1, `pings sent during the silence: ${pings}`);
  });

  test('the OpenAI SDK streams through ping comments to the whole answer', async () => {
    const before = (await metrics(gw.url)).spillway_stream_pings_sent_total;
    const openai = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'Take your time.' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, REPLY);
    const pings = (await metrics(gw.url)).spillway_stream_pings_sent_total - before;
    assert.ok(pings >= 1, `pings sent during the silence: ${pings}`);
  });
});
