// SIGTERM drains: no new connections, idle keep-alive connections closed, and a stream in
// flight runs to its end before the process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { openaiBody, startGateway, startMock, upstreamFor } from './lib/gateway.mjs';

const REPLY = 'one two three four five six seven eight';

function exited(gw) {
  return gw.exited() ? Promise.resolve(gw.exited()) : once(gw.proc, 'exit').then(([code, signal]) => ({ code, signal }));
}

test('a stream in flight at SIGTERM still ends with [DONE], then the gateway exits 0', async (t) => {
  // 8 tokens at 10/s: the stream runs for about 0.7 s after its first token.
  const mock = await startMock(t, 'openai', ['--tokens-per-s', '10', '--reply', REPLY]);
  const gw = await startGateway(t, { upstreams: [upstreamFor('mock', mock, 'openai')] });
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(openaiBody({ stream: true })),
  });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const first = await reader.read();
  let text = decoder.decode(first.value);
  process.kill(gw.pid, 'SIGTERM');
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  assert.ok(text.trim().endsWith('data: [DONE]'), text);
  for (const word of REPLY.split(' ')) {
    assert.ok(text.includes(word), `${word} missing from the stream`);
  }
  const { code } = await exited(gw);
  assert.equal(code, 0, gw.stderr());
  assert.match(gw.stderr(), /draining/);
});

test('idle keep-alive connections are closed at SIGTERM instead of holding the exit', { timeout: 20_000 }, async (t) => {
  const mock = await startMock(t, 'openai');
  // A grace period longer than the test's own timeout: only closing idle connections lets the
  // gateway exit in time.
  const gw = await startGateway(t, {
    upstreams: [upstreamFor('mock', mock, 'openai')],
    limits: { shutdown_grace_ms: 60_000, client_header_timeout_ms: 60_000 },
  });
  const { port } = new URL(gw.url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  const [answer] = await once(socket, 'data');
  assert.match(answer.toString(), /^HTTP\/1.1 200/);
  const closed = once(socket, 'close');
  process.kill(gw.pid, 'SIGTERM');
  await closed;
  const { code } = await exited(gw);
  assert.equal(code, 0, gw.stderr());
});
