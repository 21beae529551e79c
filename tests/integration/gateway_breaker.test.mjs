// The circuit breaker: an upstream that fails several times in a row is taken out (no more
// connection attempts, requests go to the next candidate at once) and shown as open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { http, startProcess } from './lib/harness.mjs';
import { bodyFor, closedPort, dialectHeaders, endpointFor, metrics, startGateway, startMock, upstreamFor } from './lib/gateway.mjs';

test('five failures in a row open the circuit: the dead upstream is skipped, not retried', async (t) => {
  const port = await closedPort();
  const alive = await startMock(t, 'openai', ['--reply', 'from alive']);
  const gw = await startGateway(t, {
    upstreams: [{ name: 'dead', kind: 'openai', base_url: `http://127.0.0.1:${port}/v1` }, upstreamFor('alive', alive, 'openai')],
    routes: [{ to: ['dead', 'alive'] }],
  });
  const path = endpointFor('openai');
  const ask = () => http(`${gw.url}${path}`, { body: bodyFor('openai'), headers: dialectHeaders('openai') });
  for (let i = 0; i < 5; ++i) {
    const res = await ask();
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-spillway-attempts'), '2');
  }
  const tripped = await metrics(gw.url);
  assert.equal(tripped.spillway_upstream_connect_failures_total, 5);
  assert.equal(tripped['spillway_upstream_circuit_open{upstream="dead"}'], 1);
  const limits = await (await fetch(`${gw.url}/admin/limits`)).json();
  const dead = limits.upstreams.find((u) => u.upstream === 'dead');
  assert.equal(dead.circuit, 'open');
  assert.ok(dead.circuit_open_ms > 0 && dead.circuit_open_ms <= 5000, JSON.stringify(dead));

  // While open: straight to alive, one attempt, no new connection to the dead one.
  for (let i = 0; i < 3; ++i) {
    const res = await ask();
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-spillway-upstream'), 'alive');
    assert.equal(res.headers.get('x-spillway-attempts'), '1');
  }
  const after = await metrics(gw.url);
  assert.equal(after.spillway_upstream_connect_failures_total, 5);
});

test('after its open period one probe brings a recovered upstream back in', async (t) => {
  // The dead upstream's port: nothing listens there until the test starts a mock on it.
  const port = await closedPort();
  const alive = await startMock(t, 'openai', ['--reply', 'from alive']);
  const gw = await startGateway(t, {
    upstreams: [{ name: 'flaky', kind: 'openai', base_url: `http://127.0.0.1:${port}/v1` }, upstreamFor('alive', alive, 'openai')],
    routes: [{ to: ['flaky', 'alive'] }],
  });
  const path = endpointFor('openai');
  const ask = () => http(`${gw.url}${path}`, { body: bodyFor('openai'), headers: dialectHeaders('openai') });
  for (let i = 0; i < 5; ++i) {
    assert.equal((await ask()).status, 200);
  }
  const limits = await (await fetch(`${gw.url}/admin/limits`)).json();
  const flaky = limits.upstreams.find((u) => u.upstream === 'flaky');
  assert.equal(flaky.circuit, 'open');

  // It recovers while the circuit is open; the gateway does not know until its probe.
  await startProcess(['mock-provider', '--dialect', 'openai', '--listen', `127.0.0.1:${port}`, '--reply', 'from flaky'], { t });
  assert.equal((await ask()).headers.get('x-spillway-upstream'), 'alive');
  // The open period is a time the breaker keeps by design (5 s): wait it out, then the next
  // request is the probe.
  await new Promise((resolve) => { setTimeout(resolve, flaky.circuit_open_ms + 100); });
  const probe = await ask();
  assert.equal(probe.status, 200);
  assert.equal(probe.headers.get('x-spillway-upstream'), 'flaky');
  assert.match(probe.text, /from flaky/);
  const closed = (await (await fetch(`${gw.url}/admin/limits`)).json()).upstreams.find((u) => u.upstream === 'flaky');
  assert.equal(closed.circuit, 'closed');
  assert.equal(closed.failures_in_a_row, 0);
  assert.equal((await metrics(gw.url))['spillway_upstream_circuit_open{upstream="flaky"}'], 0);
});
