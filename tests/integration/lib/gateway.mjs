// Helpers for the gateway integration tests: config files in a temp dir, `spillway serve`
// on port 0, raw-socket HTTP, timed streaming reads and /metrics parsing. Builds on harness.mjs.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { after } from 'node:test';

import { startMockProvider, startProcess } from './harness.mjs';

export const ANTHROPIC_VERSION = '2023-06-01';

export function sha256hex(text) {
  return createHash('sha256').update(text).digest('hex');
}

// A stand-in for a test context whose after() callbacks run when the enclosing describe (or
// file) ends: lets before() hooks start processes shared by a suite. Call it synchronously
// in the describe body.
export function suiteContext() {
  const cleanups = [];
  after(async () => {
    for (const fn of cleanups.reverse()) {
      await fn();
    }
  });
  return { after: (fn) => cleanups.push(fn) };
}

// A fresh temp dir, removed after the test (or the file, when t is omitted).
export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-gw-'));
  if (t) {
    t.after(() => rmSync(dir, { recursive: true, force: true }));
  }
  return dir;
}

// Writes `config` (an object, written as JSON, which is YAML; or YAML text) and returns the path.
export function writeConfig(dir, config, name = 'spillway.yaml') {
  const path = join(dir, name);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

// Mock provider stopped after test t.
export function startMock(t, dialect, args = [], opts = {}) {
  return startMockProvider(dialect, args, { ...opts, t });
}

// An upstream entry for a mock: {name, kind, base_url} (OpenAI base urls include /v1).
export function upstreamFor(name, mock, dialect, extra = {}) {
  const base = dialect === 'openai' ? `${mock.url}/v1` : mock.url;
  return { name, kind: dialect, base_url: base, ...extra };
}

// `spillway serve --config FILE --listen 127.0.0.1:0`, stopped after test t. `config` gets
// threads: 1 and auth: none unless it says otherwise. Resolves the harness handle plus
// {configPath, dir}.
export async function startGateway(t, config, { env = {}, dir } = {}) {
  const d = dir || tempDir(t);
  const full = typeof config === 'string' ? config : { threads: 1, auth: 'none', ...config };
  const configPath = writeConfig(d, full);
  const gw = await startProcess(['serve', '--config', configPath, '--listen', '127.0.0.1:0'], { env, t });
  gw.configPath = configPath;
  gw.dir = d;
  return gw;
}

// One gateway in front of one mock of the same dialect, everything routed to it.
export async function gatewayWithMock(t, dialect, { mockArgs = [], upstream = {}, config = {}, env = {} } = {}) {
  const mock = await startMock(t, dialect, mockArgs);
  const gw = await startGateway(t, {
    upstreams: [upstreamFor('mock', mock, dialect, upstream)],
    ...config,
  }, { env });
  return { mock, gw };
}

// GET /metrics parsed into {name: number}.
export async function metrics(gwUrl) {
  const res = await fetch(`${gwUrl}/metrics`);
  const text = await res.text();
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m) {
      out[m[1] + (m[2] || '')] = Number(m[3]);
    }
  }
  return out;
}

// Sends a request and reads the body piece by piece, noting when each piece arrived.
export async function timedFetch(url, { headers = {}, body, method = 'POST' } = {}) {
  const start = performance.now();
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const headersMs = performance.now() - start;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const pieces = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    pieces.push({ at: performance.now() - start, length: text.length });
  }
  return { status: res.status, headers: res.headers, headersMs, totalMs: performance.now() - start, text, pieces };
}

// The ms at which the text up to and including `needle` had arrived.
export function arrivalOf(result, needle) {
  const idx = result.text.indexOf(needle);
  if (idx < 0) return null;
  const piece = result.pieces.find((p) => p.length > idx);
  return piece ? piece.at : null;
}

// Writes `raw` (string or Buffer; or an array of them written in turn) on a fresh TCP
// connection and resolves with the bytes read until the server closes it (or `idleMs` of
// silence after a complete response). Resolves {status, headers (lower-cased names -> values),
// rawHead, body, raw}.
// With waitClose, reads until the server closes (for pipelined requests).
export function rawRequest(url, raw, { idleMs = 2000, waitClose = false } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    const chunks = [];
    let timer = null;
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(parseRawResponse(Buffer.concat(chunks)));
    };
    sock.on('connect', () => {
      const parts = Array.isArray(raw) ? raw : [raw];
      for (const p of parts) sock.write(p);
    });
    sock.on('data', (d) => {
      chunks.push(d);
      // A complete response with a content-length may be followed by no close (keep-alive).
      const parsed = parseRawResponse(Buffer.concat(chunks));
      if (parsed.complete && !waitClose) {
        finish();
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', (e) => {
      if (chunks.length > 0) finish();
      else reject(e);
    });
  });
}

// Interim 1xx responses (100 Continue) are skipped; `interim` lists their status lines.
export function parseRawResponse(buf) {
  const interim = [];
  for (;;) {
    const head = buf.toString('latin1', 0, Math.min(buf.length, 64));
    const m = /^HTTP\/1\.[01] 1\d\d[^\r]*\r\n/.exec(head);
    const end = buf.indexOf('\r\n\r\n');
    if (!m || end < 0) break;
    interim.push(m[0].trim());
    buf = buf.subarray(end + 4);
  }
  const out = parseFinalResponse(buf);
  out.interim = interim;
  return out;
}

function parseFinalResponse(buf) {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) {
    return { status: 0, headers: {}, rawHead: text, body: '', raw: text, complete: false };
  }
  const rawHead = text.slice(0, end);
  const lines = rawHead.split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    const name = line.slice(0, c).trim().toLowerCase();
    const value = line.slice(c + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let body = buf.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  let complete = false;
  if (headers['content-length'] !== undefined) {
    complete = body.length >= Number(headers['content-length']);
    body = body.subarray(0, Number(headers['content-length']));
  } else if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const decoded = decodeChunked(body);
    complete = decoded.complete;
    body = decoded.body;
  }
  return { status, headers, rawHead, body: body.toString('utf8'), raw: text, complete };
}

function decodeChunked(buf) {
  const parts = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return { body: Buffer.concat(parts), complete: false };
    const size = parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) return { body: Buffer.concat(parts), complete: false };
    if (size === 0) return { body: Buffer.concat(parts), complete: true };
    if (buf.length < eol + 2 + size + 2) return { body: Buffer.concat(parts), complete: false };
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
}

// A raw HTTP/1.1 request text with a JSON body and `Connection: close` unless given.
export function rawPost(url, path, body, headers = {}) {
  const { host } = new URL(url);
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const lines = [`POST ${path} HTTP/1.1`, `Host: ${host}`, 'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(payload)}`];
  const hasConnection = Object.keys(headers).some((k) => k.toLowerCase() === 'connection');
  if (!hasConnection) lines.push('Connection: close');
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n${payload}`;
}

// Names forwarded to the mock, from its x-mock-received-headers response header.
export function receivedHeaderNames(headers) {
  const v = typeof headers.get === 'function' ? headers.get('x-mock-received-headers') : headers['x-mock-received-headers'];
  return (v || '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

// A TCP port on loopback that nothing listens on (bound, then closed).
export async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// Short request bodies in each dialect.
export function anthropicBody(extra = {}) {
  return { model: 'claude-test-1', max_tokens: 64, messages: [{ role: 'user', content: 'Hello there' }], ...extra };
}

export function openaiBody(extra = {}) {
  return { model: 'gpt-test-1', messages: [{ role: 'user', content: 'Hello there' }], ...extra };
}

// The path and body for a generation request in a dialect.
export function endpointFor(dialect) {
  return dialect === 'anthropic' ? '/v1/messages' : '/v1/chat/completions';
}

export function bodyFor(dialect, extra = {}) {
  return dialect === 'anthropic' ? anthropicBody(extra) : openaiBody(extra);
}

export function dialectHeaders(dialect) {
  return dialect === 'anthropic' ? { 'anthropic-version': ANTHROPIC_VERSION } : {};
}

// Asserts helpers are left to the tests; this one checks an error body's dialect shape and
// returns its message.
export function errorMessage(dialect, json) {
  if (dialect === 'anthropic') {
    if (json.type !== 'error' || typeof json.error?.type !== 'string' || typeof json.error?.message !== 'string') {
      throw new Error(`not an Anthropic error body: ${JSON.stringify(json)}`);
    }
    return json.error.message;
  }
  if (typeof json.error?.message !== 'string' || typeof json.error?.type !== 'string' || 'type' in json) {
    throw new Error(`not an OpenAI error body: ${JSON.stringify(json)}`);
  }
  return json.error.message;
}

// An in-process upstream that records every request exactly as received (method, url, raw
// header pairs, body bytes) and answers a fixed reply: for checks the mock provider cannot
// make (header values, byte-identical bodies). reply(req) returns {status, headers, body}.
// Closed after test t.
// opts.closeAfterResponse: close each connection once its response is written, without saying
// so in a Connection header (as an upstream dropping idle keep-alive connections does).
// A reply may carry `chunks` (strings written in turn, no content-length) instead of `body`.
export async function startCaptureServer(t, reply, opts = {}) {
  const { createServer } = await import('node:http');
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const rec = {
        method: req.method,
        url: req.url,
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(rec);
      const r = reply(rec);
      if (opts.closeAfterResponse) {
        res.on('finish', () => req.socket.destroy());
      }
      res.writeHead(r.status || 200, { 'content-type': 'application/json', ...(r.headers || {}) });
      if (r.chunks) {
        for (const c of r.chunks) res.write(c);
        res.end();
      } else {
        res.end(r.body);
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  return { url: `http://127.0.0.1:${server.address().port}`, requests };
}

// A canned successful reply in each dialect.
export function cannedReply(dialect) {
  if (dialect === 'anthropic') {
    return JSON.stringify({
      id: 'msg_capture', type: 'message', role: 'assistant', model: 'captured', content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 },
    });
  }
  return JSON.stringify({
    id: 'chatcmpl-capture', object: 'chat.completion', created: 1, model: 'captured',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

// Runs `spillway args...` to completion (for commands that exit: check, serve with a bad
// config). Resolves {code, signal, stdout, stderr}; a run past timeoutMs is killed by its PID
// and reported with signal set.
export async function runCli(args, { env = {}, timeoutMs = 10_000, cwd } = {}) {
  const { execFile } = await import('node:child_process');
  const { spillwayBin } = await import('./harness.mjs');
  return new Promise((resolve) => {
    execFile(spillwayBin(), args, { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          signal: error?.signal || null,
          stdout,
          stderr,
        });
      });
  });
}
