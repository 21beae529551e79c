// A SIGTERM while agents are mid-request loses no usage record: the gateway drains the
// requests in flight, then the audit writer writes everything queued before the process exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { queryDb } from './lib/audit.mjs';
import { ANTHROPIC_VERSION, startGateway, startMock, tempDir, upstreamFor } from './lib/gateway.mjs';
import { waitFor } from './lib/limits.mjs';

const REQUESTS = 60;

// Resolves {status, complete} when the whole response was read, rejects when the connection
// failed (refused after the listener closed, or cut).
async function agentRequest(gw, i) {
  const stream = i % 2 === 0;
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION, 'x-spillway-session': `load-${i}` },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream, messages: [{ role: 'user', content: `request ${i}` }] }),
  });
  const text = await res.text();
  const complete = stream ? text.includes('message_stop') : JSON.parse(text).type === 'message';
  return { status: res.status, complete, session: `load-${i}` };
}

test('a SIGTERM under load loses no record: records in the database = requests answered', async (t) => {
  // Slow enough that many requests are in flight when the signal comes.
  const mock = await startMock(t, 'anthropic', ['--ttft-ms', '200', '--tokens-per-s', '100', '--reply', 'one two three four five six seven eight']);
  const dir = tempDir(t);
  const db = join(dir, 'audit.db');
  // A long flush interval: the records of the drained requests can only reach the database
  // through the final flush on stop.
  const gw = await startGateway(t, {
    threads: 2,
    audit: { sqlite: db, flush_interval_ms: 60000 },
    upstreams: [upstreamFor('premium', mock, 'anthropic')],
  });

  const results = Array.from({ length: REQUESTS }, (_, i) => agentRequest(gw, i));
  await waitFor(async () => (await (await fetch(`${mock.url}/mock/stats`)).json()).admitted >= REQUESTS / 3,
    'a third of the requests to reach the upstream');
  process.kill(gw.pid, 'SIGTERM');
  const settled = await Promise.allSettled(results);
  let timer;
  const exit = await Promise.race([
    gw.waitExit(),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('the gateway did not exit 20 s after the signal')), 20_000); }),
  ]);
  clearTimeout(timer);
  assert.equal(exit.code, 0, gw.stderr());

  const answered = settled.filter((s) => s.status === 'fulfilled' && s.value.complete).map((s) => s.value);
  assert.ok(answered.length >= REQUESTS / 3, `requests in flight at the signal were answered (${answered.length})`);
  const rows = queryDb(db, 'SELECT session, status, output_tokens FROM requests');
  assert.equal(rows.length, answered.length, 'one record per request answered, none lost');
  const recorded = new Set(rows.map((r) => r.session));
  for (const a of answered) {
    assert.ok(recorded.has(a.session), `a record for ${a.session}`);
  }
  assert.ok(rows.every((r) => r.status === 200 && r.output_tokens === 8), JSON.stringify(rows.slice(0, 3)));
  assert.doesNotMatch(gw.stderr(), /dropped/);
});
