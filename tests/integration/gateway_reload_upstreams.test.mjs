// A reload changes upstreams and limits too: an upstream keeps its rate state by name (what it
// used stays used when its limits change), moves to a new address, takes a rotated key from its
// key file, and new upstreams and routes come into use while removed ones leave /admin/limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ANTHROPIC_VERSION, startGateway, startMock, upstreamFor } from './lib/gateway.mjs';

async function ask(gw, { headers = {}, body = 'hi' } = {}) {
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION, ...headers },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: body }] }),
  });
  return { status: res.status, upstream: res.headers.get('x-spillway-upstream'), text: await res.text() };
}

async function limitsOf(gw, name) {
  const all = await (await fetch(`${gw.url}/admin/limits`)).json();
  return all.upstreams.find((u) => u.upstream === name);
}

async function reload(gw, config) {
  writeFileSync(gw.configPath, JSON.stringify({ threads: 1, auth: 'none', ...config }, null, 2));
  const res = await fetch(`${gw.url}/admin/reload`, { method: 'POST' });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

test('a reload re-limits an upstream keeping what it used, and moves it to a new address', async (t) => {
  const a = await startMock(t, 'anthropic', ['--reply', 'from a']);
  const c = await startMock(t, 'anthropic', ['--reply', 'from c']);
  const routes = [{ name: 'main', match: { model: '*' }, to: ['p'] }];
  const gw = await startGateway(t, { upstreams: [upstreamFor('p', a, 'anthropic', { limits: { rpm: 4 } })], routes });

  for (let i = 0; i < 3; i += 1) {
    const r = await ask(gw);
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /from a/);
  }
  const before = (await limitsOf(gw, 'p')).keys[0];
  assert.equal(before.effective.rpm, 4);
  assert.ok(before.available.requests < 1.5, JSON.stringify(before));

  // Six a minute now, at another address: the three requests already sent still count.
  await reload(gw, { upstreams: [upstreamFor('p', c, 'anthropic', { limits: { rpm: 6 } })], routes });
  const after = (await limitsOf(gw, 'p')).keys[0];
  assert.equal(after.effective.rpm, 6);
  assert.equal(after.admitted, 3, 'the same buckets, not fresh ones');
  assert.ok(after.available.requests > 2 && after.available.requests < 4.5, JSON.stringify(after));
  const moved = await ask(gw);
  assert.equal(moved.status, 200, moved.text);
  assert.match(moved.text, /from c/);
  assert.equal(moved.upstream, 'p');
});

test('a reload adds and removes upstreams and routes, rotates a key and applies new limits', async (t) => {
  const keyed = await startMock(t, 'anthropic', ['--reply', 'from keyed', '--api-key', 'new-secret']);
  const local = await startMock(t, 'anthropic', ['--reply', 'from local']);
  const gw = await startGateway(t, {
    upstreams: [upstreamFor('local', local, 'anthropic')],
    routes: [{ name: 'main', match: { model: '*' }, to: ['local'] }],
  });
  assert.match((await ask(gw)).text, /from local/);
  // A new upstream, with a key the provider does not take.
  const keyFile = join(gw.dir, 'provider.key');
  writeFileSync(keyFile, 'old-secret\n');
  const premium = upstreamFor('premium', keyed, 'anthropic', { api_key_file: keyFile });
  const main = { name: 'main', match: { model: '*' }, to: ['premium'] };

  await reload(gw, { upstreams: [premium], routes: [main] });
  const refused = await ask(gw);
  assert.equal(refused.status, 401, 'the old key is refused by the provider');

  // The key file now holds the rotated key; a junior tier and its route come in.
  writeFileSync(keyFile, 'new-secret\n');
  const junior = { name: 'junior', match: { header: { 'x-spillway-tier': 'junior' } }, to: ['local'] };
  const body = await reload(gw, {
    upstreams: [premium, upstreamFor('local', local, 'anthropic')],
    routes: [junior, main],
    limits: { max_body_bytes: 4096 },
  });
  assert.deepEqual(body, { reloaded: true, routes: 2 });
  const served = await ask(gw);
  assert.equal(served.status, 200, served.text);
  assert.match(served.text, /from keyed/);
  const tiered = await ask(gw, { headers: { 'x-spillway-tier': 'junior' } });
  assert.equal(tiered.upstream, 'local');
  assert.match(tiered.text, /from local/);
  // The new body limit is in force.
  const big = await ask(gw, { body: 'x'.repeat(8192) });
  assert.equal(big.status, 413, big.text);
  const premiumKeys = (await limitsOf(gw, 'premium')).keys;
  assert.equal(premiumKeys.length, 1, 'the rotated-out key is no longer listed');
  assert.equal(premiumKeys[0].source, `file ${keyFile}`);
  assert.ok(!JSON.stringify(premiumKeys).includes('secret'), 'no secret in /admin/limits');

  // Removed: local leaves /admin/limits, and its route with it.
  await reload(gw, { upstreams: [premium], routes: [main] });
  assert.equal(await limitsOf(gw, 'local'), undefined);
  const back = await ask(gw, { headers: { 'x-spillway-tier': 'junior' } });
  assert.equal(back.upstream, 'premium');
});
