// `spillway demo` is the main job: it must start its simulated providers and the gateway,
// serve every request of its burst through both tiers, and stop everything it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { spillwayBin } from './lib/harness.mjs';

const run = promisify(execFile);

test('demo serves its whole burst through both upstreams and reports tokens', async () => {
  const { stdout } = await run(spillwayBin(), ['demo', '--requests', '15', '--concurrency', '3'], {
    timeout: 60_000,
  });
  assert.match(stdout, /served 15 of 15 requests/);
  const upstreamRows = stdout.split('\n').filter((l) => /^(premium|local)\s+\d+\s+\d+/.test(l));
  assert.equal(upstreamRows.length, 2, stdout);
  for (const row of upstreamRows) {
    const [, requests, ok, input, output] = row.trim().split(/\s+/).map(Number);
    assert.ok(requests > 0 && ok === requests, row);
    assert.ok(input > 0 && output > 0, row);
  }
  // It ends with the audit of its own burst: every request recorded, grouped by agent.
  const audit = stdout.slice(stdout.indexOf('$ spillway audit'));
  // (A burst that straddles a minute boundary peaks below 15.)
  const peak = Number(audit.match(/Requests per minute .*peak (\d+) requests\/min/)[1]);
  assert.ok(peak >= 8 && peak <= 15, audit);
  const agentRows = audit.split('By agent')[1].split('\n\n')[0].split('\n').slice(2);
  const recorded = agentRows.reduce((acc, row) => acc + Number(row.trim().split(/\s+/)[1]), 0);
  assert.equal(recorded, 15, audit);
  // Every child it started is gone: nothing still listens on the addresses it printed.
  const gateway = stdout.match(/gateway (http:\/\/\S+)/)[1];
  await assert.rejects(fetch(`${gateway}/healthz`));
});
