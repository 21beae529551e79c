// Config reload (SIGHUP and POST /admin/reload): under load, new rules and upstreams take effect
// for new requests and no request fails, a request in flight finishes on the rules it started
// with, and a config that is invalid or changes what needs a restart is refused while the old
// one stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';

import { startProcess } from './lib/harness.mjs';
import {
  ANTHROPIC_VERSION, closedPort, metrics, startGateway, startMock, tempDir, upstreamFor, writeConfig,
} from './lib/gateway.mjs';
import { waitFor } from './lib/limits.mjs';

function config(a, b, to, extra = {}) {
  return {
    threads: 2,
    auth: 'none',
    upstreams: [upstreamFor('a', a, 'anthropic'), upstreamFor('b', b, 'anthropic')],
    routes: [{ name: 'main', match: { model: '*' }, to: [to] }],
    ...extra,
  };
}

async function ask(gw, stream = false) {
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.text();
  const complete = stream ? text.includes('message_stop') : res.status === 200 && JSON.parse(text).type === 'message';
  return { status: res.status, upstream: res.headers.get('x-spillway-upstream'), text, complete };
}

test('reloads under load: new rules for new requests, none failed, bad configs refused', async (t) => {
  const a = await startMock(t, 'anthropic', ['--reply', 'from upstream a, slowly told', '--tokens-per-s', '20']);
  const b = await startMock(t, 'anthropic', ['--reply', 'from b']);
  const gw = await startGateway(t, config(a, b, 'a'));
  const rewrite = (cfg) => writeFileSync(gw.configPath, typeof cfg === 'string' ? cfg : JSON.stringify(cfg, null, 2));

  // A slow stream (about 0.3 s) starts on the old rules: it is at upstream a before the reload.
  const inFlight = ask(gw, true);
  await waitFor(async () => (await (await fetch(`${a.url}/mock/stats`)).json()).in_flight >= 1, 'the slow stream to reach a');
  // Load: six agents asking in a loop (bounded), counting anything that is not a whole 200.
  let running = true;
  const failures = [];
  let served = 0;
  const deadline = performance.now() + 20_000;
  const agents = Array.from({ length: 6 }, async (_, i) => {
    while (running && performance.now() < deadline) {
      const r = await ask(gw, i % 2 === 0).catch((e) => ({ status: 0, text: String(e), complete: false }));
      if (r.status !== 200 || !r.complete) failures.push(r);
      served += 1;
    }
  });

  rewrite(config(a, b, 'b'));
  process.kill(gw.pid, 'SIGHUP');
  await waitFor(async () => (await ask(gw)).upstream === 'b', 'new requests to follow the reloaded route');
  const slow = await inFlight;
  assert.equal(slow.upstream, 'a', 'the request in flight kept the rules it started with');
  assert.ok(slow.complete, slow.text);

  // Invalid: a route to an upstream that does not exist. Refused; b still serves.
  rewrite(config(a, b, 'nowhere'));
  const refusedBefore = (await metrics(gw.url)).spillway_config_reload_failures_total;
  process.kill(gw.pid, 'SIGHUP');
  await waitFor(async () => (await metrics(gw.url)).spillway_config_reload_failures_total > refusedBefore, 'the refusal');
  assert.equal((await ask(gw)).upstream, 'b');
  assert.match(gw.stderr(), /the new config was refused, the running one stays: .*unknown upstream 'nowhere'/);

  // Through the admin API: a change that needs a restart is refused, with the reason.
  rewrite(config(a, b, 'a', { threads: 3 }));
  let res = await fetch(`${gw.url}/admin/reload`, { method: 'POST' });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.message, /threads changed, which takes a restart/);
  assert.equal((await ask(gw)).upstream, 'b');

  // And a good one is put in force at once.
  rewrite(config(a, b, 'a'));
  res = await fetch(`${gw.url}/admin/reload`, { method: 'POST' });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { reloaded: true, routes: 1 });
  assert.equal((await ask(gw)).upstream, 'a');

  // An upstream moved under load: 'a' now lives at b's address. Its old keep-alive connections
  // are not reused; nothing fails.
  const moved = config(a, b, 'a');
  moved.upstreams[0] = upstreamFor('a', b, 'anthropic');
  rewrite(moved);
  process.kill(gw.pid, 'SIGHUP');
  await waitFor(async () => (await ask(gw)).text.includes('from b'), 'upstream a to answer from its new address');
  assert.equal((await ask(gw)).upstream, 'a');

  running = false;
  await Promise.all(agents);
  assert.ok(served >= 12, `the agents kept asking (${served})`);
  assert.deepEqual(failures, [], 'no request failed across the reloads');
  const m = await metrics(gw.url);
  assert.equal(m.spillway_config_reloads_total, 3);
  assert.equal(m.spillway_config_reload_failures_total, 2);
});

// Whether a new TCP connection to 127.0.0.1:port is accepted.
function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

test('a reload moves the listener: new connections on the new address, none dropped', async (t) => {
  const a = await startMock(t, 'anthropic', ['--reply', 'from upstream a, slowly told', '--tokens-per-s', '20']);
  const dir = tempDir(t);
  const cfg = (port, extra = {}) => ({ listen: `127.0.0.1:${port}`, ...config(a, a, 'a'), ...extra });
  const path = writeConfig(dir, cfg(0));
  // No --listen: the config's listen is in force, and a reload may change it.
  const gw = await startProcess(['serve', '--config', path], { t });
  const oldPort = Number(new URL(gw.url).port);

  // A stream in flight on the old listener's connection finishes there.
  const inFlight = ask(gw, true);
  await waitFor(async () => (await (await fetch(`${a.url}/mock/stats`)).json()).in_flight >= 1, 'the stream to start');

  // A port someone else holds: refused, the old listener stays.
  const holder = net.createServer();
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => holder.close(resolve)));
  writeFileSync(path, JSON.stringify(cfg(holder.address().port)));
  let res = await fetch(`${gw.url}/admin/reload`, { method: 'POST' });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.message, /cannot listen on 127\.0\.0\.1:\d+/);
  assert.ok(await accepts(oldPort));

  const newPort = await closedPort();
  writeFileSync(path, JSON.stringify(cfg(newPort)));
  process.kill(gw.pid, 'SIGHUP');
  await waitFor(async () => gw.stdout().includes(`listening on http://127.0.0.1:${newPort}`), 'the new listening line');
  await waitFor(async () => !(await accepts(oldPort)), 'the old listener to close');
  const moved = await ask({ url: `http://127.0.0.1:${newPort}` });
  assert.equal(moved.status, 200);
  assert.ok(moved.complete);
  const slow = await inFlight;
  assert.ok(slow.complete, slow.text);
  assert.equal(slow.status, 200);

  // Threads still take a restart.
  writeFileSync(path, JSON.stringify(cfg(newPort, { threads: 3 })));
  res = await fetch(`http://127.0.0.1:${newPort}/admin/reload`, { method: 'POST' });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.message, /threads changed, which takes a restart/);
});
