// What a translation drops is reported: an x-spillway-dropped response header naming each
// dropped feature, and one warning line in the gateway's log. Same-dialect requests drop nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANTHROPIC_VERSION, startGateway, startMock, upstreamFor } from './lib/gateway.mjs';

// Resolves when the process's stderr has shown a line matching `pattern` (event-driven).
function stderrLine(gw, pattern, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = gw.stderr().split('\n').find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        gw.proc.stderr.off('data', check);
        resolve(line);
      }
    };
    const timer = setTimeout(() => {
      gw.proc.stderr.off('data', check);
      reject(new Error(`no stderr line matching ${pattern}:\n${gw.stderr()}`));
    }, timeoutMs);
    gw.proc.stderr.on('data', check);
    check();
  });
}

const BODY = {
  model: 'claude-sonnet-4-5',
  max_tokens: 64,
  system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
  context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
  messages: [{ role: 'user', content: 'Hello' }],
};

async function post(gw, body, stream = false) {
  return fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION },
    body: JSON.stringify({ ...body, stream }),
  });
}

for (const stream of [false, true]) {
  test(`translated ${stream ? 'stream' : 'JSON reply'}: dropped features in a header and one log line`, async (t) => {
    const local = await startMock(t, 'openai');
    const gw = await startGateway(t, { upstreams: [upstreamFor('local', local, 'openai')] });
    const res = await post(gw, BODY, stream);
    assert.equal(res.status, 200);
    await res.text();
    const dropped = res.headers.get('x-spillway-dropped');
    assert.ok(dropped, 'the header is there');
    const names = dropped.split(', ');
    assert.ok(names.includes('cache_control'), dropped);
    assert.ok(names.includes('context_management'), dropped);
    const line = await stderrLine(gw, /dropped: /);
    assert.match(line, /upstream 'local' dropped: .*cache_control/);
  });
}

test('same-dialect requests drop nothing and say nothing', async (t) => {
  const claude = await startMock(t, 'anthropic');
  const gw = await startGateway(t, { upstreams: [upstreamFor('claude', claude, 'anthropic')] });
  const res = await post(gw, BODY);
  assert.equal(res.status, 200);
  await res.text();
  assert.equal(res.headers.get('x-spillway-dropped'), null);
  assert.doesNotMatch(gw.stderr(), /dropped: /);
});
