// With no config file, `spillway serve` builds its upstreams and routes from the environment:
// ANTHROPIC_API_KEY -> an Anthropic upstream, SPILLWAY_LOCAL_URL -> an OpenAI-compatible one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProcess, http } from './lib/harness.mjs';
import { ANTHROPIC_VERSION, anthropicBody, openaiBody, startMock } from './lib/gateway.mjs';

test('serve without a config routes claude-* to the Anthropic key and the rest to the local server', async (t) => {
  const key = 'sk-ant-env-only-test';
  const anthropic = await startMock(t, 'anthropic', ['--api-key', key]);
  const local = await startMock(t, 'openai');
  const gw = await startProcess(['serve', '--listen', '127.0.0.1:0'], {
    t,
    env: {
      ANTHROPIC_API_KEY: key,
      SPILLWAY_ANTHROPIC_URL: anthropic.url,
      SPILLWAY_LOCAL_URL: `${local.url}/v1`,
      SPILLWAY_LOCAL_MODEL: 'qwen2.5-coder-32b',
      OPENAI_API_KEY: '',
    },
  });

  const ready = await http(`${gw.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.json().upstreams.sort(), ['anthropic', 'local']);
  assert.equal(ready.json().config, 'environment');

  // The mock refuses any request without its key: a 200 proves the gateway put it on.
  const claude = await http(`${gw.url}/v1/messages`, {
    headers: { 'anthropic-version': ANTHROPIC_VERSION },
    body: anthropicBody({ model: 'claude-sonnet-4-5' }),
  });
  assert.equal(claude.status, 200, claude.text);
  assert.equal(claude.headers.get('x-spillway-upstream'), 'anthropic');
  assert.equal(claude.json().model, 'claude-sonnet-4-5');

  const other = await http(`${gw.url}/v1/chat/completions`, { body: openaiBody({ model: 'whatever-model' }) });
  assert.equal(other.status, 200, other.text);
  assert.equal(other.headers.get('x-spillway-upstream'), 'local');
  assert.equal(other.headers.get('x-mock-received-model'), 'qwen2.5-coder-32b');

  assert.ok(!gw.stdout().includes(key) && !gw.stderr().includes(key), 'the key never reaches the logs');
});

test('serve without a config and without any provider variable refuses to start, saying what to set', async (t) => {
  await assert.rejects(
    startProcess(['serve', '--listen', '127.0.0.1:0'], {
      t,
      env: { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', SPILLWAY_LOCAL_URL: '' },
    }),
    /ANTHROPIC_API_KEY|SPILLWAY_LOCAL_URL/,
  );
});
