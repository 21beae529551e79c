// GET /admin/limits: an admin gateway key opens it; any other key is refused, and so is a
// request without a key; it never shows a provider key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256hex, startGateway, startMock, upstreamFor } from './lib/gateway.mjs';

test('the admin API needs an admin key and shows no provider secret', async (t) => {
  const mock = await startMock(t, 'anthropic');
  const gw = await startGateway(t, {
    auth: [{ sha256: sha256hex('agent-key'), name: 'agent' }, { sha256: sha256hex('ops-key'), name: 'ops', admin: true }],
    upstreams: [upstreamFor('claude', mock, 'anthropic', { api_key_env: 'PROVIDER_SECRET_FOR_TEST' })],
  }, { env: { PROVIDER_SECRET_FOR_TEST: 'sk-ant-very-secret-value' } });
  const get = (key) => fetch(`${gw.url}/admin/limits`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  assert.equal((await get(null)).status, 401);
  const refused = await get('agent-key');
  assert.equal(refused.status, 403);
  assert.match((await refused.json()).error.message, /admin gateway key/);

  const ok = await get('ops-key');
  assert.equal(ok.status, 200);
  const text = await ok.text();
  assert.doesNotMatch(text, /very-secret/);
  const body = JSON.parse(text);
  assert.equal(body.upstreams[0].upstream, 'claude');
  assert.equal(body.upstreams[0].keys[0].source, 'env PROVIDER_SECRET_FOR_TEST');
});
