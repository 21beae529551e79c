// The Responses API (POST /v1/responses), the dialect Codex speaks: the official openai SDK's
// responses.create, whole and streamed, with a tool loop, through spillway to a Chat
// Completions server, to an Anthropic-style API and (as it is) to an upstream that serves the
// Responses API itself; then the real Codex CLI (npm @openai/codex, `codex exec`) running a
// tool loop the same three ways.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import OpenAI from 'openai';

import { stopProcessesAfter } from '../integration/lib/harness.mjs';
import { runCli } from './lib/run_cli.mjs';
import { startGateway, startMock, suiteContext, tempDir, upstreamFor } from '../integration/lib/gateway.mjs';

stopProcessesAfter();

const REPLY = 'Answered through the Responses dialect';
const CODEX = fileURLToPath(new URL('./node_modules/.bin/codex', import.meta.url));
const CLI_TIMEOUT_MS = 90_000;
const TOOL = {
  type: 'function',
  name: 'read_file',
  description: 'Read a file',
  parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
};

describe('openai SDK responses.create through spillway', () => {
  const suite = suiteContext();
  let openai;
  before(async () => {
    const local = await startMock(suite, 'openai', ['--reply', REPLY]);
    const claude = await startMock(suite, 'anthropic', ['--reply', REPLY]);
    const native = await startMock(suite, 'openai', ['--reply', REPLY]);
    const gw = await startGateway(suite, {
      upstreams: [upstreamFor('local', local, 'openai'), upstreamFor('claude', claude, 'anthropic'),
        upstreamFor('native', native, 'openai', { responses: true })],
      routes: [
        { match: { model: 'gpt-local*' }, to: [{ upstream: 'local', model: 'qwen2.5-coder' }] },
        { match: { model: 'gpt-native*' }, to: ['native'] },
        { match: { model: '*' }, to: [{ upstream: 'claude', model: 'claude-sonnet-4-5' }] },
      ],
    });
    openai = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });
  });

  for (const [model, upstream] of [['gpt-local-1', 'local'], ['gpt-5', 'claude'], ['gpt-native-1', 'native']]) {
    test(`${upstream} upstream: a whole response`, async () => {
      const { data: res, response } = await openai.responses
        .create({ model, instructions: 'Be brief.', input: 'Say something.', max_output_tokens: 100 })
        .withResponse();
      assert.equal(response.headers.get('x-spillway-upstream'), upstream);
      assert.equal(res.object, 'response');
      assert.equal(res.status, 'completed');
      assert.equal(res.model, model);
      assert.equal(res.output_text, REPLY);
      assert.equal(res.usage.output_tokens, REPLY.split(' ').length);
      assert.ok(res.usage.input_tokens > 0);
      assert.equal(res.usage.total_tokens, res.usage.input_tokens + res.usage.output_tokens);
    });

    test(`${upstream} upstream: a stream, and the SDK's stream helper`, async () => {
      const stream = await openai.responses.create({ model, input: 'Say something.', stream: true });
      const types = [];
      let text = '';
      let completed;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') completed = event.response;
      }
      assert.equal(types[0], 'response.created');
      assert.equal(types.at(-1), 'response.completed');
      assert.equal(text, REPLY);
      assert.equal(completed.output[0].content[0].text, REPLY);
      assert.equal(completed.usage.output_tokens, REPLY.split(' ').length);

      const helper = openai.responses.stream({ model, input: 'Say something.' });
      const final = await helper.finalResponse();  // (the helper leaves output_text out, as with OpenAI)
      assert.equal(final.status, 'completed');
      assert.equal(final.output[0].content[0].text, REPLY);
    });

    test(`${upstream} upstream: a streamed tool loop`, async () => {
      // The mock calls the tool when asked to, then answers once it has the tool's output.
      const first = await openai.responses.stream({ model, input: 'Please call tool read_file.', tools: [TOOL] })
        .finalResponse();
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(call, JSON.stringify(first.output));
      assert.equal(call.name, 'read_file');
      assert.match(JSON.parse(call.arguments).input, /call tool read_file/);
      const second = await openai.responses.create({
        model,
        tools: [TOOL],
        input: [
          { role: 'user', content: 'Please call tool read_file.' },
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { type: 'function_call_output', call_id: call.call_id, output: 'int main() {}' },
        ],
      });
      assert.equal(second.status, 'completed');
      assert.ok(second.output_text.length > 0, JSON.stringify(second.output));
    });
  }

  test('state the gateway does not keep is refused with the reason, in the Responses error shape', async () => {
    await assert.rejects(
      openai.responses.create({ model: 'gpt-5', input: 'again', previous_response_id: 'resp_abc' }),
      (e) => e instanceof OpenAI.BadRequestError && /previous_response_id/.test(e.message) &&
        /does not keep/.test(e.message),
    );
    await assert.rejects(openai.responses.retrieve('resp_abc'), (e) => e.status === 404 && /not stored/.test(e.message));
  });
});

// `codex args...` (lib/run_cli.mjs), killed after CLI_TIMEOUT_MS.
function runCodex(args, { cwd, env }) {
  return runCli(CODEX, args, { cwd, env, timeoutMs: CLI_TIMEOUT_MS });
}

const GATEWAY_KEY = 'sk-spillway-codex-test-key';
const FINAL = 'The proof file is written.';

const CODEX_UPSTREAMS = {
  openai: 'a Chat Completions upstream',
  anthropic: 'an Anthropic upstream',
  responses: 'an upstream that serves the Responses API',
};
for (const [dialect, what] of Object.entries(CODEX_UPSTREAMS)) {
  test(`Codex CLI runs a tool loop through spillway to ${what}`, async (t) => {
    const dir = tempDir(t);
    const home = join(dir, 'home');
    const codexHome = join(dir, 'codex-home');
    const work = join(dir, 'work');
    for (const d of [home, codexHome, work]) mkdirSync(d);
    const token = `spillway-codex-${dialect}-${process.pid}`;
    // Codex's shell tool (exec_command) writes the proof; the answer to its output ends the loop.
    const script = join(dir, 'script.json');
    writeFileSync(script, JSON.stringify([
      { tool: 'exec_command', input: { cmd: `echo ${token} > proof.txt` } },
      { text: FINAL },
    ]));
    const mock = await startMock(t, dialect === 'anthropic' ? 'anthropic' : 'openai', ['--script', script]);
    const gw = await startGateway(t, {
      auth: [{ sha256: createHash('sha256').update(GATEWAY_KEY).digest('hex'), name: 'codex' }],
      upstreams: [dialect === 'responses' ? upstreamFor('up', mock, 'openai', { responses: true }) : upstreamFor('up', mock, dialect)],
      routes: [{ match: { model: 'gpt-*' }, to: [{ upstream: 'up', model: 'served-model' }] }],
    });
    writeFileSync(join(codexHome, 'config.toml'), [
      'model = "gpt-5-codex"',
      'model_provider = "spillway"',
      '[model_providers.spillway]',
      'name = "spillway"',
      `base_url = "${gw.url}/v1"`,
      'env_key = "SPILLWAY_API_KEY"',
      'wire_api = "responses"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'));
    const env = { PATH: process.env.PATH, HOME: home, CODEX_HOME: codexHome, SPILLWAY_API_KEY: GATEWAY_KEY };
    const run = await runCodex(
      ['exec', '--skip-git-repo-check', '--sandbox', 'danger-full-access', 'Write the proof file.'], { cwd: work, env });
    assert.equal(run.signal, null, `codex was killed (${run.signal}); stderr:\n${run.stderr}`);
    assert.equal(run.code, 0, `codex exited ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    // The call the gateway translated ran, and the answer after it came back.
    assert.equal(readFileSync(join(work, 'proof.txt'), 'utf8').trim(), token);
    assert.match(run.stdout, new RegExp(FINAL));
    const stats = await (await fetch(`${mock.url}/mock/stats`)).json();
    assert.ok(stats.requests >= 2, JSON.stringify(stats));
    assert.doesNotMatch(run.stderr, /stream closed before response.completed/);
  });
}
