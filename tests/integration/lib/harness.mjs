// Test harness for integration tests: starts the real spillway binary on loopback, waits for
// its "listening on URL" line, and stops every process it started by PID. No npm deps.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const DEFAULT_BIN = '/work/main/build/spillway';
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

const running = new Set();

export function spillwayBin() {
  return process.env.SPILLWAY_BIN || DEFAULT_BIN;
}

// Spawns `bin args...` and resolves once stdout shows /listening on (\S+)/.
// Rejects (with the process's stderr) if it exits first or takes longer than 10 s.
// opts: {env, bin, t, cwd} — when `t` (a node:test context) is given, the process is stopped in
// t.after(). A gateway runs in a fresh temp dir unless `cwd` says otherwise, so its default audit
// database (./spillway.db) never lands in the source tree.
export function startProcess(args, opts = {}) {
  const bin = opts.bin || spillwayBin();
  let cwd = opts.cwd;
  const ownCwd = !cwd && args[0] === 'serve';
  if (ownCwd) {
    cwd = mkdtempSync(join(tmpdir(), 'spillway-cwd-'));
  }
  const proc = spawn(bin, args, {
    cwd,
    env: { ...process.env, ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(handle);
      if (ownCwd) {
        rmSync(cwd, { recursive: true, force: true });
      }
      resolve(exited);
    });
  });
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { err += d; });

  const handle = {
    url: null,
    proc,
    pid: proc.pid,
    stdout: () => out,
    stderr: () => err,
    exited: () => exited,
    // Resolves {code, signal} when the process ends, without signalling it.
    waitExit: () => exitPromise,
    // SIGTERM, then SIGKILL if still alive after 5 s; resolves {code, signal}.
    async stop() {
      if (exited) {
        return exited;
      }
      try {
        process.kill(proc.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      let timer;
      const killed = new Promise((resolve) => {
        timer = setTimeout(() => {
          try {
            process.kill(proc.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          resolve();
        }, STOP_GRACE_MS);
      });
      await Promise.race([exitPromise, killed]);
      const result = await exitPromise;
      clearTimeout(timer);
      // A clean shutdown exits 0; anything else (a hang, a crash, a sanitizer report) fails
      // the test that started the process.
      if (result.code !== 0) {
        throw new Error(`${bin} ${args.join(' ')} did not shut down cleanly ` +
          `(code ${result.code}, signal ${result.signal})\nstderr:\n${err.slice(-4000)}`);
      }
      return result;
    },
  };
  running.add(handle);
  if (opts.t) {
    opts.t.after(() => handle.stop());
  }

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      handle.stop().catch(() => {}).finally(() => {
        reject(new Error(`${bin} ${args.join(' ')}: ${why}\nstderr:\n${err}\nstdout:\n${out}`));
      });
    };
    const timer = setTimeout(() => fail(`no "listening on" line within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS);
    proc.on('error', (e) => fail(`spawn failed: ${e.message}`));
    proc.on('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    proc.stdout.on('data', (d) => {
      out += d;
      if (settled) return;
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        settled = true;
        clearTimeout(timer);
        handle.url = m[1];
        resolve(handle);
      }
    });
  });
}

// `spillway mock-provider --dialect D --listen 127.0.0.1:0 ...extraArgs`.
export function startMockProvider(dialect, extraArgs = [], opts = {}) {
  return startProcess(
    ['mock-provider', '--dialect', dialect, '--listen', '127.0.0.1:0', ...extraArgs], opts);
}

export async function stopAll() {
  await Promise.all([...running].map((h) => h.stop()));
}

// Registers stopAll() to run after the current test (when given its context) or after the
// whole file (at top level), so no process outlives its tests.
export function stopProcessesAfter(t) {
  if (t) {
    t.after(stopAll);
  } else {
    after(stopAll);
  }
}

// fetch wrapper: an object body is sent as JSON. Resolves {status, headers, text, json()}.
export async function http(url, { method, headers = {}, body } = {}) {
  const init = { method: method || (body === undefined ? 'GET' : 'POST'), headers: { ...headers } };
  if (body !== undefined) {
    if (typeof body === 'string' || body instanceof Uint8Array) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      if (!Object.keys(init.headers).some((k) => k.toLowerCase() === 'content-type')) {
        init.headers['content-type'] = 'application/json';
      }
    }
  }
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => JSON.parse(text),
  };
}

// Parses an SSE body into [{event, data, id}] following the framing rules: \n, \r\n or \r
// line ends, a blank line ends an event, data lines joined with \n, ':' lines are comments.
export function sseEvents(text) {
  const events = [];
  let cur = { event: '', data: [], id: '' };
  let hasField = false;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (hasField) {
        events.push({ event: cur.event, data: cur.data.join('\n'), id: cur.id });
      }
      cur = { event: '', data: [], id: '' };
      hasField = false;
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') cur.event = value;
    else if (field === 'data') cur.data.push(value);
    else if (field === 'id') cur.id = value;
    else continue;
    hasField = true;
  }
  if (hasField) {
    events.push({ event: cur.event, data: cur.data.join('\n'), id: cur.id });
  }
  return events;
}
