// The real Claude Code CLI (npm @anthropic-ai/claude-code, headless `-p`) through spillway to an
// OpenAI-dialect upstream (the provider simulator). The simulator's script makes the model call
// Bash and Read; the CLI really runs them and sends their results back, and the final scripted
// answer comes out of the CLI. Recorders on both sides of the gateway show what crossed it:
// a transparent TCP tee between the CLI and the gateway (Anthropic side), and a recording HTTP
// proxy between the gateway and each simulator (OpenAI side).
// Run: SPILLWAY_BIN=... node --test tests/clients/
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http, { createServer, request as httpRequest } from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { stopProcessesAfter } from '../integration/lib/harness.mjs';
import { runCli } from './lib/run_cli.mjs';
import { closedPort, metrics, sha256hex, startGateway, startMock, tempDir, upstreamFor } from '../integration/lib/gateway.mjs';

stopProcessesAfter();

const CLAUDE = fileURLToPath(new URL('./node_modules/.bin/claude', import.meta.url));
const CLAUDE_VERSION = '2.1.197';
const CLI_TIMEOUT_MS = 90_000;
const GATEWAY_KEY = 'sk-spillway-claude-code-test-key';
// Claude Code's names for its models, and what the routes turn them into.
const MAIN_MODEL = 'claude-sonnet-4-5';
const FAST_MODEL = 'claude-haiku-4-5';
const LOCAL_MAIN = 'qwen2.5-coder-32b';
const LOCAL_FAST = 'qwen2.5-coder-1.5b';
const FINAL = 'The proof file is written and the notes are read.';
const TITLE_REPLY = '{"title": "Write the proof file"}';

// `claude args...` (lib/run_cli.mjs), killed after CLI_TIMEOUT_MS.
function runClaude(args, { cwd, env }) {
  return runCli(CLAUDE, args, { cwd, env, timeoutMs: CLI_TIMEOUT_MS });
}

// A TCP pass-through to 127.0.0.1:targetPort that keeps every byte each way, per connection,
// without touching them (keep-alive, framing and any protocol slip reach the CLI as the gateway
// sent them). exchanges() pairs each request line with its response's status and bytes.
async function startTcpTee(t, targetPort) {
  const connections = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    const rec = { up: [], down: [] };
    connections.push(rec);
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => rec.up.push(d));
    upstream.on('data', (d) => rec.down.push(d));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(resolve);
  }));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    exchanges() {
      const out = [];
      for (const rec of connections) {
        // A request or status line ends in a raw CRLF, which no JSON body or SSE data line can
        // hold, so these finds are unambiguous (a body may run straight into the next line).
        const up = Buffer.concat(rec.up).toString('latin1');
        const down = Buffer.concat(rec.down).toString('latin1');
        const requests = [...up.matchAll(/([A-Z]+) (\/\S*) HTTP\/1\.1\r\n/g)];
        const starts = [...down.matchAll(/HTTP\/1\.1 (\d{3}) [^\r\n]*\r\n/g)];
        requests.forEach((m, i) => {
          const s = starts[i];
          const end = i + 1 < starts.length ? starts[i + 1].index : down.length;
          out.push({
            method: m[1],
            path: m[2],
            status: s ? Number(s[1]) : null,
            response: s ? down.slice(s.index, end) : '',
          });
        });
      }
      return out;
    },
  };
}

// An HTTP proxy to `target` that records each request (method, url, parsed JSON body) and
// streams the target's answer back unchanged.
async function startRecordingProxy(t, target) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body = null;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        // not JSON: recorded as null
      }
      requests.push({ method: req.method, url: req.url, body });
      const { hostname, port } = new URL(target);
      const headers = { ...req.headers, host: `${hostname}:${port}`, connection: 'close' };
      const up = httpRequest({ hostname, port, method: req.method, path: req.url, headers, agent: false }, (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
      });
      up.on('error', (e) => {
        res.destroy(e);
      });
      up.end(raw);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  return { url: `http://127.0.0.1:${server.address().port}`, requests };
}

// Everything one CLI run needs: a scripted main-model simulator and a plain small/fast one
// (each behind a recording proxy), a gateway routing Claude Code's two models to them across
// dialects, a TCP tee in front of the gateway, and a fresh HOME and working directory.
// The small/fast model has its own upstream so its side requests never take a script entry.
async function startStack(t) {
  const token = `proof-${randomBytes(8).toString('hex')}`;
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(home);
  mkdirSync(work);
  // Big enough that Read asks count_tokens for an exact count before answering.
  const notes = join(work, 'notes.txt');
  const line = 'spillway notes: every line of this file says the same thing, on purpose.';
  writeFileSync(notes, Array.from({ length: 1500 }, (_, i) => `${i + 1} ${line}`).join('\n'));
  const script = join(dir, 'script.json');
  writeFileSync(script, JSON.stringify([
    { tool: 'Bash', input: { command: `echo ${token} | tee proof.txt`, description: 'Write the proof file' } },
    { tool: 'Read', input: { file_path: notes } },
    { text: FINAL },
  ]));

  const mainMock = await startMock(t, 'openai', ['--script', script]);
  const fastMock = await startMock(t, 'openai', ['--reply', TITLE_REPLY]);
  const mainRec = await startRecordingProxy(t, mainMock.url);
  const fastRec = await startRecordingProxy(t, fastMock.url);
  const gw = await startGateway(t, {
    auth: [{ sha256: sha256hex(GATEWAY_KEY), name: 'claude-code' }],
    upstreams: [upstreamFor('local', mainRec, 'openai'), upstreamFor('local-small', fastRec, 'openai')],
    routes: [
      { match: { model: 'claude-haiku-*' }, to: [{ upstream: 'local-small', model: LOCAL_FAST }] },
      { match: { model: 'claude-*' }, to: [{ upstream: 'local', model: LOCAL_MAIN }] },
    ],
  });
  const tee = await startTcpTee(t, Number(new URL(gw.url).port));
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    ANTHROPIC_BASE_URL: tee.url,
    ANTHROPIC_API_KEY: GATEWAY_KEY,
    ANTHROPIC_MODEL: MAIN_MODEL,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: FAST_MODEL,
    ANTHROPIC_SMALL_FAST_MODEL: FAST_MODEL,
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  return { token, work, notes, gw, tee, mainRec, fastRec, env };
}

const PROMPT = 'Write the proof file, then read notes.txt.';
const CLI_ARGS = ['-p', PROMPT, '--output-format', 'json', '--allowedTools', 'Bash,Read'];

function parseResult(run) {
  assert.equal(run.signal, null, `claude was killed (${run.signal}); stderr:\n${run.stderr}`);
  assert.equal(run.code, 0, `claude exited ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  try {
    return JSON.parse(run.stdout);
  } catch {
    assert.fail(`claude printed no JSON result:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

// Claude Code's start-up probe, `HEAD <base URL>`, then a GET on the same keep-alive connection
// through Node's HTTP client, which (rightly) reads no body after a HEAD answer. Resolves one
// line per request: `METHOD PATH -> STATUS` or `-> error CODE`.
async function headThenGet(url, path) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = (method, target) => new Promise((resolve) => {
    const req = http.request(`${url}${target}`, { method, agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(`${method} ${target} -> ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve(`${method} ${target} -> error ${e.code || e.message}`));
    req.end();
  });
  try {
    return [await one('HEAD', '/'), await one('GET', path)];
  } finally {
    agent.destroy();
  }
}

describe('Claude Code CLI through a translated route', () => {
  test(`the installed CLI is the native ${CLAUDE_VERSION} binary`, async () => {
    assert.ok(existsSync(CLAUDE), `${CLAUDE} missing: run scripts/bootstrap (npm ci in tests/clients)`);
    const { stdout } = await new Promise((resolve, reject) => {
      execFile(CLAUDE, ['--version'], { timeout: 30_000, killSignal: 'SIGKILL', env: { PATH: process.env.PATH } },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve({ stdout: out })));
    });
    assert.equal(stdout.trim(), `${CLAUDE_VERSION} (Claude Code)`);
  });

  test('a scripted tool loop: Bash and Read really run, count_tokens and the start-up probe are answered, the final text comes back', async (t) => {
    const s = await startStack(t);
    const result = parseResult(await runClaude(CLI_ARGS, { cwd: s.work, env: s.env }));

    // The final answer is the script's last entry, after two tool turns.
    assert.equal(result.is_error, false, JSON.stringify(result));
    assert.equal(result.result, FINAL);
    assert.equal(result.num_turns, 3);
    assert.ok(result.modelUsage?.[MAIN_MODEL]?.outputTokens > 0, JSON.stringify(result.modelUsage));

    // The Bash tool really ran in the working directory.
    assert.equal(readFileSync(join(s.work, 'proof.txt'), 'utf8').trim(), s.token);

    // OpenAI side: three streamed Chat Completions requests for the rewritten model, carrying
    // Claude Code's tools, each tool call and its result as OpenAI `tool` messages.
    const sent = s.mainRec.requests;
    assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), Array(3).fill('POST /v1/chat/completions'));
    for (const { body } of sent) {
      assert.equal(body.model, LOCAL_MAIN);
      assert.equal(body.stream, true);
      assert.equal(body.messages[0].role, 'system');
      const names = body.tools.map((tool) => tool.function?.name);
      assert.ok(names.includes('Bash') && names.includes('Read'), names.join(' '));
    }
    assert.ok(sent[0].body.messages.at(-1).content.includes(PROMPT), JSON.stringify(sent[0].body.messages.at(-1)));
    const [bashCall, readCall] = [sent[1], sent[2]].map(({ body }) => {
      const assistant = body.messages.at(-2);
      assert.equal(assistant.role, 'assistant', JSON.stringify(assistant));
      return assistant.tool_calls[0];
    });
    assert.equal(bashCall.function.name, 'Bash');
    assert.equal(JSON.parse(bashCall.function.arguments).command, `echo ${s.token} | tee proof.txt`);
    assert.equal(readCall.function.name, 'Read');
    const bashResult = sent[1].body.messages.at(-1);
    assert.equal(bashResult.role, 'tool');
    assert.equal(bashResult.tool_call_id, bashCall.id);
    assert.match(bashResult.content, new RegExp(s.token));
    const readResult = sent[2].body.messages.at(-1);
    assert.equal(readResult.role, 'tool');
    assert.equal(readResult.tool_call_id, readCall.id);
    assert.ok(/\b1\t1 spillway notes: every line/.test(readResult.content), readResult.content.slice(0, 400));
    // The small/fast model had nothing to do with nonessential traffic off.
    assert.equal(s.fastRec.requests.length, 0);

    // Anthropic side, as the CLI saw it on the wire.
    const ex = s.tee.exchanges();
    const probe = ex.find((e) => e.method === 'HEAD' && e.path === '/');
    assert.ok(probe, `no start-up probe: ${JSON.stringify(ex.map((e) => `${e.method} ${e.path}`))}`);
    assert.ok(probe.status >= 200 && probe.status < 500, `HEAD / answered ${probe.status}`);
    assert.equal(ex.filter((e) => e.status === null).length, 0, 'every request was answered');
    const counts = ex.filter((e) => e.method === 'POST' && e.path.startsWith('/v1/messages/count_tokens'));
    assert.ok(counts.length >= 1, `Read of a large file asks count_tokens: ${JSON.stringify(ex.map((e) => `${e.method} ${e.path} ${e.status}`))}`);
    for (const c of counts) {
      assert.equal(c.status, 200, c.response);
      assert.match(c.response, /\{"input_tokens":\d+\}/);
    }
    // Read used that count: its truncation notice quotes the gateway's number.
    const counted = /\{"input_tokens":(\d+)\}/.exec(counts.at(-1).response)[1];
    assert.ok(readResult.content.includes(`(${counted} tokens, cap `), readResult.content.slice(0, 400));
    const messages = ex.filter((e) => e.method === 'POST' && /^\/v1\/messages(\?|$)/.test(e.path));
    assert.equal(messages.length, 3);
    for (const m of messages) {
      assert.equal(m.status, 200);
      assert.match(m.response, /content-type: text\/event-stream/i);
      assert.match(m.response, /event: message_stop/);
    }

    // The gateway's counters agree: three upstream attempts, all streamed, nothing broken.
    const after = await metrics(s.gw.url);
    assert.equal(after.spillway_upstream_attempts_total, 3);
    assert.equal(after.spillway_streams_relayed_total, 3);
    assert.equal(after.spillway_streams_broken_total, 0);
    assert.equal(after.spillway_responses_5xx_total, 0);
    // Only the probe, which carries no key, is refused (401; the CLI ignores its answer).
    const refused = ex.filter((e) => e.status === 401);
    assert.deepEqual(refused.map((e) => `${e.method} ${e.path}`), ['HEAD /']);
    assert.equal(after.spillway_auth_rejected_total, 1);
  });

  test('the start-up probe (HEAD /) leaves a keep-alive connection usable: mock provider', async (t) => {
    const mock = await startMock(t, 'openai');
    assert.deepEqual(await headThenGet(mock.url, '/v1/models'), ['HEAD / -> 404', 'GET /v1/models -> 200']);
  });

  test('the start-up probe (HEAD /) leaves a keep-alive connection usable: gateway', async (t) => {
    const gw = await startGateway(t, {
      upstreams: [{ name: 'unused', kind: 'openai', base_url: `http://127.0.0.1:${await closedPort()}/v1` }],
    });
    assert.deepEqual(await headThenGet(gw.url, '/healthz'), ['HEAD / -> 404', 'GET /healthz -> 200']);
  });

  test('side requests: the session title goes to the small/fast model on its own route', async (t) => {
    const s = await startStack(t);
    // Title generation is nonessential traffic; allow it, but send anything that is not for
    // loopback to a closed loopback port through the proxy variables, so nothing leaves.
    const env = { ...s.env };
    delete env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC;
    const deadProxy = `http://127.0.0.1:${await closedPort()}`;
    Object.assign(env, { HTTPS_PROXY: deadProxy, HTTP_PROXY: deadProxy, NO_PROXY: '127.0.0.1,localhost' });
    const result = parseResult(await runClaude(CLI_ARGS, { cwd: s.work, env }));
    assert.equal(result.result, FINAL);
    assert.equal(readFileSync(join(s.work, 'proof.txt'), 'utf8').trim(), s.token);

    const side = s.fastRec.requests;
    assert.ok(side.length >= 1, 'the small/fast model was asked for a title');
    for (const { url, body } of side) {
      assert.equal(url, '/v1/chat/completions');
      assert.equal(body.model, LOCAL_FAST);
      assert.ok(!body.tools, 'side requests offer no tools');
    }
    assert.ok(side.some(({ body }) => JSON.stringify(body.messages).includes(PROMPT)),
      'the title request quotes the prompt');
    // The translated reply reached the CLI: it accounts the small model's output.
    assert.equal(result.modelUsage?.[FAST_MODEL]?.outputTokens, side.length * TITLE_REPLY.split(/\s+/).length,
      JSON.stringify(result.modelUsage));
    // The main model's script was not disturbed by the side request.
    assert.equal(s.mainRec.requests.length, 3);
  });
});
