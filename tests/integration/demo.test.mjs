// `spillway demo` is the main job: simulated agents straight at a rate-limited premium
// simulator, then through spillway with overflow to a local simulator, and a summary of both.
// The summary must print only what was measured: every gateway-side figure is checked here
// against the demo's own audit database, and every child it started must be gone afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spillwayBin } from './lib/harness.mjs';
import { queryDb } from './lib/audit.mjs';

const run = promisify(execFile);

// The summary table: label (34 columns) -> [direct, through spillway].
function summaryRows(stdout) {
  const start = stdout.indexOf('\nSummary (');
  assert.ok(start >= 0, stdout);
  const lines = stdout.slice(start).split('\n').slice(3);
  const rows = {};
  for (const line of lines) {
    if (line.trim() === '') break;
    const label = line.slice(0, 34).trim();
    const [direct, gateway] = line.slice(35).trim().split(/\s+/);
    rows[label] = [direct, gateway];
  }
  return rows;
}

test('demo: the summary prints what the audit database holds, and spillway spares the agents the 429s', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-demo-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'demo.db');
  // Tier 1 (30,000 input tokens a minute for Sonnet) is hit within seconds by four agents.
  const { stdout } = await run(
    spillwayBin(),
    ['demo', '--duration', '8', '--agents', '4', '--tier', 'anthropic-tier-1', '--db', db],
    { timeout: 90_000 },
  );
  const rows = summaryRows(stdout);
  const num = (label, col) => {
    assert.ok(rows[label], `no row '${label}' in\n${stdout}`);
    return Number(rows[label][col]);
  };
  const D = 0;
  const G = 1;

  // Gateway-side figures against the database (a fresh file: all its rows are this run's).
  const all = queryDb(db, 'SELECT status, upstream, overflowed, queued_ms, refused_by, '
    + 'input_tokens + cache_read_tokens + cache_write_tokens AS input, output_tokens AS output, cost_usd FROM requests');
  assert.ok(all.length > 0, 'the gateway recorded its requests');
  assert.equal(num('requests recorded', G), all.length);
  assert.equal(num('answered 200', G), all.filter((r) => r.status === 200).length);
  assert.equal(num('errors sent to agents', G), all.filter((r) => r.status >= 400 || r.status === 0).length);
  const premium429 = all.reduce((n, r) => n + (r.refused_by ?? '').split(',').filter((x) => x === 'premium:429').length, 0);
  assert.equal(num('premium 429s retried by spillway', G), premium429);
  assert.equal(num('queued for capacity', G), all.filter((r) => r.queued_ms > 0).length);
  assert.equal(num('longest wait ms', G), Math.max(0, ...all.map((r) => r.queued_ms)));
  assert.equal(num('overflowed to local', G), all.filter((r) => r.overflowed).length);
  for (const tier of ['premium', 'local']) {
    const served = all.filter((r) => r.upstream === tier && r.status === 200);
    assert.equal(num(`${tier} requests`, G), served.length, tier);
    assert.equal(num(`${tier} input tokens`, G), served.reduce((n, r) => n + r.input, 0), tier);
    assert.equal(num(`${tier} output tokens`, G), served.reduce((n, r) => n + r.output, 0), tier);
    const seconds = num('run seconds', G);
    const perMin = (num(`${tier} input tokens`, G) + num(`${tier} output tokens`, G)) * 60 / seconds;
    // run seconds is printed to 0.1 s
    assert.ok(Math.abs(num(`${tier} tokens/min`, G) - perMin) <= perMin * 0.01 + 1, `${tier} tokens/min`);
  }
  const cost = all.reduce((n, r) => n + (r.cost_usd ?? 0), 0);
  assert.equal(rows['cost USD (local at 0)'][G], cost.toFixed(4));
  const tasks = num('tasks completed', G);
  assert.equal(rows['cost USD per completed task'][G], tasks > 0 ? (cost / tasks).toFixed(4) : '-');
  assert.ok(num('local requests', G) > 0, 'spillway sent work to the local tier');
  assert.equal(num('local requests', D), 0, 'the direct run has no local tier');

  // The agents' view: the direct run hit the wall, the gateway run did not (or less).
  assert.ok(num('429s seen by agents', D) > 0, 'the direct run met the tier\'s limits');
  assert.ok(num('failures seen by agents', D) > 0, 'some errors outlasted the SDK retries');
  assert.equal(num('429s seen by agents', G), 0);
  assert.ok(num('failures seen by agents', G) < num('failures seen by agents', D));
  assert.ok(num('tasks completed', G) >= num('tasks completed', D));
  assert.ok(num('429s answered by the premium', D) >= num('429s seen by agents', D),
    'every 429 the agents saw came from the premium simulator');
  // Every request the agents saw answered 200 is one the gateway recorded as 200.
  assert.equal(num('answered 200', G), all.filter((r) => r.status === 200).length);
  assert.ok(num('requests sent by agents', G) >= all.length - 0, 'the agents sent what was recorded');

  // The live view printed plain lines (stdout is not a terminal) for both runs.
  assert.match(stdout, /^direct\s+\[#+\.*\]/m);
  assert.match(stdout, /^spillway\s+\[#+\.*\]/m);
  // The token velocity report of the same database follows.
  assert.match(stdout, /\$ spillway audit --db \S+ --since \S+ --by agent/);
  assert.match(stdout, /By agent/);

  // Every child it started is gone: nothing still listens on the addresses it printed.
  const urls = [...stdout.matchAll(/^\s+(?:premium|local|gateway)\s+(http:\/\/\S+)/gm)].map((m) => m[1]);
  assert.equal(urls.length, 4, stdout);
  for (const url of urls) {
    await assert.rejects(fetch(`${url}/v1/models`), url);
  }
});

test('demo: an unknown tier is refused with the known ones named', async () => {
  await assert.rejects(run(spillwayBin(), ['demo', '--tier', 'anthropic-tier-9', '--db', '/dev/null']), (e) => {
    assert.equal(e.code, 1);
    assert.match(e.stderr, /unknown tier 'anthropic-tier-9'.*anthropic-tier-1/);
    return true;
  });
});

test('demo: Ctrl-C stops the run and every process it started', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-demo-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(spillwayBin(), ['demo', '--duration', '30', '--agents', '2', '--db', join(dir, 'demo.db')]);
  let stdout = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  // Interrupt once the agents are at work: the first live row of run A is printed.
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/^direct\s+\[/m.test(stdout)) resolve();
    });
    child.on('exit', () => reject(new Error(`exited early:\n${stdout}`)));
  });
  const premium = stdout.match(/^\s+premium\s+(http:\/\/\S+)/m)[1];
  await fetch(`${premium}/v1/models`);  // it is up now...
  child.kill('SIGINT');
  const { code } = await exited;
  assert.equal(code, 130, stdout);
  assert.match(stdout, /interrupted; every process it started is stopped/);
  await assert.rejects(fetch(`${premium}/v1/models`), 'the premium simulator is gone');
});
