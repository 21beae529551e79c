// The audit's settings are checked before the gateway serves: a database it cannot open or a
// prices file with a mistake stops `serve` and fails `check`, saying which file and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

import { runCli, tempDir, writeConfig } from './lib/gateway.mjs';

const upstream = 'upstreams:\n  - {name: a, kind: anthropic, base_url: "http://127.0.0.1:9"}\n';

test('a database that cannot be opened stops the gateway before it listens', async (t) => {
  const dir = tempDir(t);
  const path = writeConfig(dir, `${upstream}audit:\n  sqlite: ${join(dir, 'no-such-dir', 'audit.db')}\n`);
  const res = await runCli(['serve', '--config', path, '--listen', '127.0.0.1:0'], { cwd: dir });
  assert.equal(res.code, 1, res.stdout);
  assert.doesNotMatch(res.stdout, /listening/);
  assert.match(res.stderr, /cannot open audit database .*no-such-dir\/audit\.db/);
});

test('a database written by a newer spillway is refused, not misread', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'future.db');
  const { execFileSync } = await import('node:child_process');
  execFileSync('sqlite3', [db, 'PRAGMA user_version = 99; CREATE TABLE x (y);']);
  const path = writeConfig(dir, `${upstream}audit: {sqlite: ${db}}\n`);
  const res = await runCli(['serve', '--config', path, '--listen', '127.0.0.1:0'], { cwd: dir });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /newer spillway \(schema 99/);
});

test('a prices file with a mistake fails check and serve with its line', async (t) => {
  const dir = tempDir(t);
  const prices = join(dir, 'prices.yaml');
  writeFileSync(prices, 'models:\n  - {match: "qwen*", input: 0, output: 0}\n  - {match: "big*", input: cheap, output: 1}\n');
  const path = writeConfig(dir, `${upstream}audit: {sqlite: ${join(dir, 'a.db')}, prices: ${prices}}\n`);
  for (const args of [['check', '--config', path], ['serve', '--config', path, '--listen', '127.0.0.1:0']]) {
    const res = await runCli(args, { cwd: dir });
    assert.equal(res.code, 1, `${args[0]}: ${res.stdout}`);
    assert.match(res.stderr, /prices\.yaml:3: `input` must be a number/, args[0]);
  }
  writeFileSync(prices, 'models:\n  - {match: "qwen*", input: 0, output: 0}\n');
  const ok = await runCli(['check', '--config', path], { cwd: dir });
  assert.equal(ok.code, 0, ok.stderr);
});
