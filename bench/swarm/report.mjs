// Reads the driver's JSON of each way of running the swarm and prints the Markdown table of
// bench/swarm.sh, with the targets of issue 4 checked for the predictive rows.
//
//   node bench/swarm/report.mjs --max-wait-ms 20000 NAME=FILE [NAME=FILE...]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt, positionals } = parseArgs({
  options: { 'max-wait-ms': { type: 'string', default: '20000' }, json: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const MAX_WAIT_MS = Number(opt['max-wait-ms']);

const pct = (a, b) => (b > 0 ? (100 * a) / b : 0);
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
function quantile(values, q) {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)];
}
function metric(text, name, label) {
  if (!text) return null;
  for (const line of text.split('\n')) {
    if (line.startsWith(name) && (!label || line.includes(label))) {
      const rest = line.slice(name.length);
      if (label || rest.startsWith(' ')) return Number(line.split(' ').pop());
    }
  }
  return null;
}

function summarise(name, run) {
  const recs = run.records;
  const cut = recs.filter((r) => !r.ok && r.cut);
  const done = recs.filter((r) => !r.cut);
  const ok = done.filter((r) => r.ok);
  const failed = done.filter((r) => !r.ok);
  const firstP = run.samples.find((s) => s.premium)?.premium;
  const lastP = [...run.samples].reverse().find((s) => s.premium)?.premium;
  const premiumRequests = lastP.requests - firstP.requests;
  const premium429 = lastP.rate_limited - firstP.rate_limited;

  // Saturation: from the first sample at which the premium's input bucket has been drained
  // below 10% of its ITPM (the start-up burst is spent, demand is above the refill) until the
  // agents stop issuing requests. Tokens allowed in that window = what the bucket held at its
  // start + what it refilled; served = input tokens the premium admitted in it.
  const itpm = firstP.limits.itpm;
  const inLoad = run.samples.filter((s) => s.premium && s.t <= run.duration_ms + 250);
  const start = inLoad.findIndex((s) => s.premium.available.input_tokens < 0.1 * itpm);
  let util = null;
  if (start >= 0 && inLoad.length - 1 > start) {
    const a = inLoad[start].premium;
    const b = inLoad[inLoad.length - 1].premium;
    const minutes = (b.time_ms - a.time_ms) / 60000;
    const served = b.input_tokens - a.input_tokens;
    const allowed = itpm * minutes + Math.max(0, a.available.input_tokens);
    util = {
      from_s: inLoad[start].t / 1000, to_s: inLoad[inLoad.length - 1].t / 1000,
      served, allowed, ratio: served / allowed, per_minute: served / minutes,
    };
  }
  const local = ok.filter((r) => r.upstream === 'local');
  const tokens = (rs) => rs.reduce((n, r) => n + (r.input_tokens ?? 0), 0);
  const queued = ok.filter((r) => r.queued_ms !== null && r.queued_ms !== undefined).map((r) => r.queued_ms);
  const latency = ok.map((r) => r.t1 - r.t0);
  return {
    name, label: run.label,
    requests: done.length, ok: ok.length, failed: failed.length, cut: cut.length,
    failures_by_status: failed.reduce((m, r) => ((m[r.status ?? 'none'] = (m[r.status ?? 'none'] ?? 0) + 1), m), {}),
    failure_sample: failed[0]?.error ?? null,
    sdk_attempts: recs.reduce((n, r) => n + r.sdk_attempts, 0),
    sdk_429s: recs.reduce((n, r) => n + r.sdk_429s, 0),
    premium_requests: premiumRequests, premium_429s: premium429,
    premium_admitted: lastP.admitted - firstP.admitted,
    premium_input_tokens: lastP.input_tokens - firstP.input_tokens,
    gateway_429s_seen: metric(run.metrics, 'spillway_upstream_429s_total', 'upstream="premium"'),
    gateway_queued: metric(run.metrics, 'spillway_queued_total'),
    gateway_overflowed: metric(run.metrics, 'spillway_overflowed_total'),
    gateway_timeouts: metric(run.metrics, 'spillway_queue_timeouts_total'),
    util,
    local_requests: local.length, local_share_requests: pct(local.length, ok.length),
    local_share_tokens: pct(tokens(local), tokens(ok)),
    ok_input_tokens: tokens(ok),
    queued_count: queued.filter((q) => q > 0).length,
    queued_p50: quantile(queued, 0.5), queued_p95: quantile(queued, 0.95), queued_max: queued.length ? Math.max(...queued) : NaN,
    latency_p50: quantile(latency, 0.5), latency_p95: quantile(latency, 0.95),
  };
}

const rows = positionals.map((p) => {
  const [name, file] = p.split('=');
  return summarise(name, JSON.parse(readFileSync(file, 'utf8')));
});
if (opt.json) {
  console.log(JSON.stringify(rows, null, 2));
  process.exit(0);
}

const line = (cells) => console.log(`| ${cells.join(' | ')} |`);
line(['', ...rows.map((r) => r.name)]);
line(['---', ...rows.map(() => '---:')]);
const row = (label, f) => line([label, ...rows.map(f)]);
row('agent requests finished (ok + failed) / cut off at the end', (r) => `${r.ok + r.failed} / ${r.cut}`);
row('**failed as seen by the agents** (after the SDK\'s retries)', (r) =>
  `**${r.failed}** (${fmt(pct(r.failed, r.requests))}%)` + (r.failed ? ` ${JSON.stringify(r.failures_by_status).replace(/"/g, '')}` : ''));
row('HTTP attempts by the SDK / 429s it received', (r) => `${r.sdk_attempts} / ${r.sdk_429s}`);
row('premium: requests received / **429s returned** (mock counters)', (r) =>
  `${r.premium_requests} / **${r.premium_429s}** (${fmt(pct(r.premium_429s, r.premium_requests))}%)`);
row('premium 429s as spillway counted them', (r) => (r.gateway_429s_seen === null ? '—' : String(r.gateway_429s_seen)));
row('premium: requests served / input tokens served', (r) => `${r.premium_admitted} / ${r.premium_input_tokens}`);
row('**premium ITPM utilisation while saturated** (served / allowed)', (r) =>
  r.util ? `**${fmt(100 * r.util.ratio)}%** (${r.util.served} / ${Math.round(r.util.allowed)}, ${fmt(r.util.from_s)}-${fmt(r.util.to_s)} s)` : 'never saturated');
row('served by the local tier: requests / input tokens', (r) => `${fmt(r.local_share_requests)}% / ${fmt(r.local_share_tokens)}%`);
row('queued in spillway: requests / overflowed / wait timeouts', (r) =>
  r.gateway_queued === null ? '—' : `${r.gateway_queued} / ${r.gateway_overflowed} / ${r.gateway_timeouts}`);
row('**queueing added** (x-spillway-queued-ms) p50 / p95 / max, ms', (r) =>
  Number.isFinite(r.queued_p50) ? `${r.queued_p50} / **${r.queued_p95}** / ${r.queued_max}` : '—');
row('agent-visible latency per request p50 / p95, ms', (r) => `${r.latency_p50} / ${r.latency_p95}`);
row('input tokens answered (all tiers)', (r) => String(r.ok_input_tokens));

const predictive = rows.filter((r) => r.name.startsWith('(c)'));
if (predictive.length) {
  console.log('\nTargets of issue 4 for (c):\n');
  for (const r of predictive) {
    const v = (ok) => (ok ? 'met' : '**missed**');
    const u = r.util ? r.util.ratio : null;
    console.log(`- ${r.name}: zero failures seen by agents: ${r.failed} (${v(r.failed === 0)});` +
      ` premium 429s < 1% of premium requests: ${fmt(pct(r.premium_429s, r.premium_requests), 2)}% (${v(pct(r.premium_429s, r.premium_requests) < 1)});` +
      ` premium utilisation >= 90% of ITPM while saturated: ${u === null ? 'n/a' : fmt(100 * u) + '%'} (${v(u !== null && u >= 0.9)});` +
      ` p95 queueing < max_wait ${MAX_WAIT_MS} ms: ${r.queued_p95} ms (${v(r.queued_p95 < MAX_WAIT_MS)})`);
  }
}
