// Runs an agent CLI (Claude Code, Codex) to its end: `bin args...` in `cwd` with exactly `env`
// (nothing inherited: no developer keys, proxies or base URLs leak in), killed by its PID after
// `timeoutMs`. Resolves {code, signal, stdout, stderr}.
import { spawn } from 'node:child_process';

export function runCli(bin, args, { cwd, env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (e) => { stderr += `spawn failed: ${e.message}`; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
