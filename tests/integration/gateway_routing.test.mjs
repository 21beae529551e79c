// Routing rules through the real gateway (docs/routing.md): a header forces the junior tier,
// Claude Code's side requests go to the local model, a route's max_tokens ceiling reaches the
// upstream, max_input_tokens refuses in the caller's dialect, and the usage record names the
// route. `spillway route explain` gives the same decision without sending anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { queryDb } from './lib/audit.mjs';
import {
  ANTHROPIC_VERSION, cannedReply, runCli, startCaptureServer, startGateway, tempDir, writeConfig,
} from './lib/gateway.mjs';

function rules(premiumUrl, localUrl, db) {
  return {
    audit: { sqlite: db },
    upstreams: [
      { name: 'premium', kind: 'anthropic', base_url: premiumUrl },
      { name: 'local', kind: 'openai', base_url: `${localUrl}/v1` },
    ],
    aliases: { senior: ['claude-opus-*', 'claude-sonnet-*'] },
    routes: [
      { name: 'forced-junior', match: { header: { 'x-spillway-tier': 'junior' } }, to: [{ upstream: 'local', model: 'qwen-coder' }] },
      { name: 'side-requests', match: { background: true }, to: [{ upstream: 'local', model: 'qwen-small' }] },
      { name: 'senior', match: { model: 'senior' }, to: ['premium'], max_tokens: 2048, max_input_tokens: 2000 },
    ],
  };
}

async function post(gw, body, headers = {}) {
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const TOOLS = [{ name: 'Bash', description: 'run', input_schema: { type: 'object', properties: {} } }];

test('rules pick the tier, caps reach the upstream, and the record names the route', async (t) => {
  const premium = await startCaptureServer(t, () => ({ body: cannedReply('anthropic') }));
  const local = await startCaptureServer(t, () => ({ body: cannedReply('openai') }));
  const dir = tempDir(t);
  const db = join(dir, 'audit.db');
  const gw = await startGateway(t, rules(premium.url, local.url, db));

  // The main loop: senior model, tools, asks for 32000 tokens: premium, lowered to the ceiling.
  const main = await post(gw, { model: 'claude-sonnet-4-5', max_tokens: 32000, tools: TOOLS, messages: [{ role: 'user', content: 'fix the failing test' }] },
    { 'x-claude-code-session-id': 'sess-1' });
  assert.equal(main.status, 200, JSON.stringify(main.json));
  assert.equal(premium.requests.length, 1);
  assert.equal(JSON.parse(premium.requests[0].body).max_tokens, 2048);

  // Claude Code's title request (no tools): the local model.
  const title = await post(gw, { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'a title please' }] },
    { 'x-claude-code-session-id': 'sess-1' });
  assert.equal(title.status, 200);
  assert.equal(local.requests.length, 1);
  assert.equal(JSON.parse(local.requests[0].body).model, 'qwen-small');

  // A header forces the junior tier, whatever the model.
  const forced = await post(gw, { model: 'claude-opus-4-5', max_tokens: 100, tools: TOOLS, messages: [{ role: 'user', content: 'read a file' }] },
    { 'x-spillway-tier': 'junior' });
  assert.equal(forced.status, 200);
  assert.equal(local.requests.length, 2);
  assert.equal(JSON.parse(local.requests[1].body).model, 'qwen-coder');

  // Over the route's input cap: a 400 in the caller's dialect, and nothing sent upstream.
  const big = await post(gw, { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'x'.repeat(20000) }] });
  assert.equal(big.status, 400);
  assert.equal(big.json.type, 'error');
  assert.equal(big.json.error.type, 'invalid_request_error');
  assert.match(big.json.error.message, /over the 2000 allowed on route 'senior'/);
  assert.equal(premium.requests.length, 1);

  // No rule for this model: 404, as before.
  const none = await post(gw, { model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(none.status, 404);

  await gw.stop();
  const rows = queryDb(db, 'SELECT model, route, upstream, upstream_model, status FROM requests ORDER BY id');
  assert.deepEqual(rows.map((r) => [r.model, r.route, r.upstream, r.upstream_model, r.status]), [
    ['claude-sonnet-4-5', 'senior', 'premium', 'claude-sonnet-4-5', 200],
    ['claude-haiku-4-5', 'side-requests', 'local', 'qwen-small', 200],
    ['claude-opus-4-5', 'forced-junior', 'local', 'qwen-coder', 200],
    ['claude-sonnet-4-5', 'senior', '', '', 400],
    ['gpt-4o', '', '', '', 404],
  ]);
});

test('spillway route explain gives the same decision without sending anything', async (t) => {
  const dir = tempDir(t);
  const config = writeConfig(dir, rules('http://127.0.0.1:9', 'http://127.0.0.1:9', join(dir, 'unused.db')));
  const { spawn } = await import('node:child_process');
  const { spillwayBin } = await import('./lib/harness.mjs');
  const explain = (args, body) => new Promise((resolve) => {
    const child = spawn(spillwayBin(), ['route', 'explain', '--config', config, ...args], { cwd: dir });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  const title = await explain(['--header', 'user-agent: claude-cli/2.1.197 (external, cli)'],
    { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'a title' }] });
  assert.equal(title.code, 0, title.err);
  assert.match(title.out, /route 1 'forced-junior' .*: no, no x-spillway-tier header/);
  assert.match(title.out, /route 2 'side-requests' .*: MATCHED/);
  assert.match(title.out, /chain: local \(qwen-small\)/);

  const main = await explain([], { model: 'claude-opus-4-5', max_tokens: 100, tools: TOOLS, messages: [{ role: 'user', content: 'go' }] });
  assert.equal(main.code, 0, main.err);
  assert.match(main.out, /route 2 'side-requests' .*: no, background: false/);
  assert.match(main.out, /route 3 'senior' .*: MATCHED/);
  assert.match(main.out, /max_tokens ceiling 2048/);

  const unknown = await explain([], { model: 'gpt-4o', max_tokens: 10, messages: [] });
  assert.equal(unknown.code, 1);
  assert.match(unknown.out, /no route matches: model 'gpt-4o' is not served/);

  const bad = await explain([], '{"model": ');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /spillway route explain: the request on stdin: .*not valid JSON/);
  // Nothing was started or written.
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(join(dir, 'unused.db')), false);
});
