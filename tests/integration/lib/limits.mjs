// Helpers for the rate-limit, queueing and overflow tests (issue 4): an in-process upstream whose
// answers a test decides request by request (and may hold until it says so), GET /admin/limits,
// and a bounded wait on a condition. Builds on gateway.mjs.
import { createServer } from 'node:http';

import { cannedReply } from './gateway.mjs';

// A promise with its resolver outside: a test opens it when the event it stands for happened.
export function gate() {
  let open;
  const opened = new Promise((resolve) => { open = resolve; });
  return { opened, open };
}

// Polls `check` (sync or async) until it returns a truthy value, which it resolves with; rejects
// naming `what` (and the last value seen, from `describe`) after timeoutMs. For conditions the
// test can only observe from outside (a queue length in /admin/limits).
export async function waitFor(check, what, { timeoutMs = 10_000, intervalMs = 10, describe } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (performance.now() > deadline) {
      const seen = describe ? `; last seen: ${await describe()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
    }
    await new Promise((resolve) => { setTimeout(resolve, intervalMs); });
  }
}

// GET /admin/limits as JSON.
export async function adminLimits(gwUrl) {
  const res = await fetch(`${gwUrl}/admin/limits`);
  if (res.status !== 200) {
    throw new Error(`GET /admin/limits: ${res.status} ${await res.text()}`);
  }
  return res.json();
}

// The admin entry of one upstream.
export async function upstreamLimits(gwUrl, name) {
  const all = await adminLimits(gwUrl);
  const u = all.upstreams.find((x) => x.upstream === name);
  if (!u) {
    throw new Error(`no upstream '${name}' in /admin/limits: ${JSON.stringify(all)}`);
  }
  return u;
}

// Resolves once the gateway's wait queue holds `n` requests.
export function waitForQueue(gwUrl, n, opts = {}) {
  let last = null;
  return waitFor(async () => {
    last = await adminLimits(gwUrl);
    return last.queue.waiting === n;
  }, `${n} requests waiting in the gateway's queue`, { ...opts, describe: () => JSON.stringify(last?.queue) });
}

// A request body whose last user message names it (`tag NAME`), so an upstream can tell which
// request it got (x-spillway-* headers are not forwarded).
export function taggedBody(dialect, tag, extra = {}) {
  const model = dialect === 'anthropic' ? 'claude-test-1' : 'gpt-test-1';
  const base = { model, messages: [{ role: 'user', content: `tag ${tag}` }] };
  if (dialect === 'anthropic') {
    base.max_tokens = 16;
  }
  return { ...base, ...extra };
}

function tagOf(json) {
  const last = json?.messages?.[json.messages.length - 1];
  const text = typeof last?.content === 'string' ? last.content : '';
  const m = /^tag (\S+)/.exec(text);
  return m ? m[1] : null;
}

function keyOf(headers) {
  if (headers['x-api-key']) {
    return headers['x-api-key'];
  }
  const auth = headers.authorization || '';
  return auth.startsWith('Bearer ') ? auth.slice(7) : null;
}

// A successful answer in the dialect, with the usage given (so settle charges what the test says).
export function okAnswer(dialect, { inputTokens = 1, outputTokens = 1, headers = {} } = {}) {
  const body = JSON.parse(cannedReply(dialect));
  if (dialect === 'anthropic') {
    body.usage = { input_tokens: inputTokens, output_tokens: outputTokens };
  } else {
    body.usage = { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
  }
  return { status: 200, headers, body: JSON.stringify(body) };
}

// An error answer in the dialect's shape.
export function errorAnswer(dialect, status, { type, message = `error ${status}`, headers = {} } = {}) {
  const body = dialect === 'anthropic'
    ? { type: 'error', error: { type: type || (status === 429 ? 'rate_limit_error' : 'api_error'), message } }
    : { error: { type: type || (status === 429 ? 'requests' : 'server_error'), message, code: null, param: null } };
  return { status, headers, body: JSON.stringify(body) };
}

// An upstream on loopback that records every request (arrival time, key, tag, parsed body) and
// answers with `answer(record)`, which may return a promise: the request is held until it
// resolves. Closed after test t. `url` is the base URL to configure (with /v1 for OpenAI).
export async function startScriptedUpstream(t, dialect, answer) {
  const requests = [];
  const watchers = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        // recorded as text only
      }
      const rec = {
        index: requests.length, at: performance.now(), method: req.method, url: req.url, headers: req.headers,
        key: keyOf(req.headers), text, json, tag: tagOf(json),
      };
      requests.push(rec);
      for (const w of [...watchers]) w();
      const r = await answer(rec);
      if (res.destroyed) return;
      res.writeHead(r.status || 200, { 'content-type': 'application/json', ...(r.headers || {}) });
      res.end(r.body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: dialect === 'openai' ? `${base}/v1` : base,
    requests,
    // Resolves once `n` requests have arrived (an event, not a poll); rejects after timeoutMs.
    received(n, timeoutMs = 10_000) {
      if (requests.length >= n) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(watch);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${n} upstream requests (got ${requests.length})`));
        }, timeoutMs);
        const watch = () => {
          if (requests.length >= n) {
            clearTimeout(timer);
            watchers.delete(watch);
            resolve(requests);
          }
        };
        watchers.add(watch);
      });
    },
  };
}
