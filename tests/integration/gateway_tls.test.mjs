// HTTPS upstreams: the gateway verifies the chain (against ca_file plus the system store) and
// the host name. The provider simulator serves a certificate from a throwaway CA.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { http, sseEvents, stopProcessesAfter } from './lib/harness.mjs';
import {
  ANTHROPIC_VERSION, bodyFor, errorMessage, metrics, startGateway, startMock, suiteContext, tempDir,
} from './lib/gateway.mjs';

stopProcessesAfter();

// A CA and a server certificate for DNS:localhost only (no IP:127.0.0.1 SAN), made with the
// openssl CLI. Returns the file paths.
function makeCertificates(dir) {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=spillway test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr',
    '-subj', '/CN=localhost']);
  const ext = join(dir, 'server.ext');
  execFileSync('sh', ['-c', `printf '%s\\n' 'subjectAltName=DNS:localhost' 'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' > '${ext}'`]);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', '2', '-extfile', ext]);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

describe('TLS upstreams', () => {
  const suite = suiteContext();
  let files;
  let mock;
  let port;
  before(async () => {
    const dir = tempDir(suite);
    files = makeCertificates(dir);
    mock = await startMock(suite, 'anthropic', ['--tls-cert', files.cert, '--tls-key', files.key, '--reply', 'over tls']);
    assert.match(mock.url, /^https:\/\//);
    port = new URL(mock.url).port;
  });

  const request = (gw, extra = {}) => http(`${gw.url}/v1/messages`, {
    body: bodyFor('anthropic', extra),
    headers: { 'anthropic-version': ANTHROPIC_VERSION },
  });

  test('https://localhost with ca_file: 200, JSON and streaming, connection reused', async (t) => {
    const gw = await startGateway(t, {
      upstreams: [{ name: 'secure', kind: 'anthropic', base_url: `https://localhost:${port}`, ca_file: files.ca }],
    });
    const res = await request(gw);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().content[0].text, 'over tls');
    const streamed = await request(gw, { stream: true });
    assert.equal(streamed.status, 200, streamed.text);
    assert.equal(sseEvents(streamed.text).at(-1).event, 'message_stop');
    const again = await request(gw);
    assert.equal(again.status, 200, again.text);
    const m = await metrics(gw.url);
    assert.equal(m.spillway_upstream_connect_failures_total, 0);
  });

  test('https://localhost without ca_file: 502 mentioning certificate verification', async (t) => {
    const gw = await startGateway(t, {
      upstreams: [{ name: 'untrusted', kind: 'anthropic', base_url: `https://localhost:${port}` }],
    });
    const res = await request(gw);
    assert.equal(res.status, 502, res.text);
    const message = errorMessage('anthropic', res.json());
    assert.match(message, /untrusted/);
    assert.match(message, /certificate/i);
    assert.match(message, /verif/i);
  });

  test('https://127.0.0.1 with ca_file (name mismatch): 502', async (t) => {
    const gw = await startGateway(t, {
      upstreams: [{ name: 'mismatch', kind: 'anthropic', base_url: `https://127.0.0.1:${port}`, ca_file: files.ca }],
    });
    const res = await request(gw);
    assert.equal(res.status, 502, res.text);
    const message = errorMessage('anthropic', res.json());
    assert.match(message, /mismatch/);
    assert.match(message, /certificate|verif/i);
    // Streaming requests are refused the same way, before any byte is sent.
    const streamed = await request(gw, { stream: true });
    assert.equal(streamed.status, 502, streamed.text);
  });

  test('a plain-http base_url against the TLS port fails cleanly with 502', async (t) => {
    const gw = await startGateway(t, {
      upstreams: [{ name: 'plain', kind: 'anthropic', base_url: `http://localhost:${port}`, timeouts: { first_byte_ms: 2000 } }],
    });
    const res = await request(gw);
    assert.ok(res.status === 502 || res.status === 504, `${res.status} ${res.text}`);
    assert.match(errorMessage('anthropic', res.json()), /plain/);
  });

  test('a ca_file that does not exist stops start-up', async (t) => {
    const { runCli, writeConfig } = await import('./lib/gateway.mjs');
    const dir = tempDir(t);
    const path = writeConfig(dir, {
      upstreams: [{ name: 'x', kind: 'anthropic', base_url: `https://localhost:${port}`, ca_file: join(dir, 'missing.pem') }],
    });
    const res = await runCli(['check', '--config', path]);
    assert.equal(res.code, 1, res.stdout);
    assert.match(res.stderr, /missing\.pem/);
  });
});
