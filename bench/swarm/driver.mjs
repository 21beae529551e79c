// The agent swarm of bench/swarm.sh: N simulated coding agents, each a loop whose context grows
// every turn (the previous answer plus a tool-result-sized chunk), now and then handing work to
// sub-agents (which may hand work on once more), for a fixed time. Every agent talks through the
// official Anthropic SDK with its default retries (maxRetries 2, retry-after honoured), to the
// premium mock directly or to spillway. Prints one JSON object: what the agents saw, and the
// mocks' own counters sampled over the run (GET /mock/stats).
//
//   node bench/swarm/driver.mjs --url URL --premium-stats URL [--local-stats URL] [--metrics URL]
//        [--agents 8] [--duration 60] [--grace 25] [--seed 1] [--max-context 30000]
//        [--model claude-opus-4-1] [--label NAME]
import { parseArgs } from 'node:util';

import { rng, text } from '../workload_text.mjs';

const { default: Anthropic } = await import(
  new URL('../../tests/clients/node_modules/@anthropic-ai/sdk/index.mjs', import.meta.url).href
);

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    'premium-stats': { type: 'string' },
    'local-stats': { type: 'string' },
    metrics: { type: 'string' },
    agents: { type: 'string', default: '8' },
    duration: { type: 'string', default: '60' },
    grace: { type: 'string', default: '25' },
    seed: { type: 'string', default: '1' },
    'max-context': { type: 'string', default: '30000' },
    model: { type: 'string', default: 'claude-opus-4-1' },
    label: { type: 'string', default: 'run' },
  },
});
if (!opt.url || !opt['premium-stats']) {
  console.error('driver.mjs: --url and --premium-stats are required');
  process.exit(2);
}
const AGENTS = Number(opt.agents);
const DURATION_MS = Number(opt.duration) * 1000;
const GRACE_MS = Number(opt.grace) * 1000;
const MAX_CONTEXT = Number(opt['max-context']);  // tokens, as the mock counts them (bytes / 4)
const SUB_AGENT_CHANCE = 0.12;                     // per turn of a top-level agent
const NESTED_CHANCE = 0.06;                        // per turn of a sub-agent (depth 1 -> 2)

const tokensOf = (messages, system) => Math.ceil((JSON.stringify(messages).length + JSON.stringify(system).length) / 4);

const SYSTEM = text(rng(7), 1500);  // a coding agent's system prompt, shared by all
const stop = { issuing: true };
const abort = new AbortController();
const records = [];
const fetchLog = new Map();  // request id -> { attempts, s429 }
let nextRequestId = 0;

// Counts every HTTP attempt the SDK makes (its own retries included) and the 429s among them.
const countingFetch = async (url, init) => {
  const id = new Headers(init?.headers).get('x-swarm-request');
  const entry = fetchLog.get(id);
  const res = await fetch(url, init);
  if (entry) {
    entry.attempts += 1;
    if (res.status === 429) entry.s429 += 1;
  }
  return res;
};
const client = new Anthropic({ apiKey: 'sk-swarm-bench', baseURL: opt.url, fetch: countingFetch });

async function turn(agent, session, messages) {
  const id = String(nextRequestId++);
  const entry = { attempts: 0, s429: 0 };
  fetchLog.set(id, entry);
  const rec = { id, agent, t0: Date.now(), est_input: tokensOf(messages, SYSTEM) };
  try {
    const { data: stream, response } = await client.messages
      .create(
        { model: opt.model, max_tokens: 4096, system: SYSTEM, messages, stream: true },
        { headers: { 'x-swarm-request': id, 'x-spillway-agent': session, 'x-spillway-session': session }, signal: abort.signal },
      )
      .withResponse();
    rec.upstream = response.headers.get('x-spillway-upstream') ?? 'premium';
    rec.queued_ms = response.headers.has('x-spillway-queued-ms') ? Number(response.headers.get('x-spillway-queued-ms')) : null;
    rec.gateway_attempts = response.headers.has('x-spillway-attempts') ? Number(response.headers.get('x-spillway-attempts')) : null;
    let answer = '';
    for await (const ev of stream) {
      if (ev.type === 'message_start') rec.input_tokens = ev.message.usage.input_tokens;
      else if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') answer += ev.delta.text;
      else if (ev.type === 'message_delta') rec.output_tokens = ev.usage.output_tokens;
    }
    rec.ok = true;
    return answer;
  } catch (e) {
    rec.ok = false;
    rec.cut = abort.signal.aborted;
    rec.status = e.status ?? null;
    rec.error = String(e.message ?? e).slice(0, 200);
    return null;
  } finally {
    rec.t1 = Date.now();
    rec.sdk_attempts = entry.attempts;
    rec.sdk_429s = entry.s429;
    fetchLog.delete(id);
    records.push(rec);
  }
}

// One agent: tasks one after another; each task a loop of turns until its context is full.
async function agentLoop(name, session, random, depth, maxTurns) {
  let tasks = 0;
  while (stop.issuing) {
    const messages = [{ role: 'user', content: `Task ${name}.${tasks}: ` + text(random, depth === 0 ? 500 : 400) }];
    for (let t = 0; t < maxTurns && stop.issuing; ++t) {
      const answer = await turn(name, session, messages);
      if (answer === null) break;  // a failed request abandons the task (a sub-agent's one task)
      messages.push({ role: 'assistant', content: answer || '(no text)' });
      let result;
      const roll = random();
      if (depth < 2 && roll < (depth === 0 ? SUB_AGENT_CHANCE : NESTED_CHANCE)) {
        // Hand work to one or two sub-agents in parallel and wait for them, as a Task tool does.
        const n = 1 + Math.floor(random() * 2);
        const subs = [];
        for (let i = 0; i < n; ++i) {
          const sub = `${name}/${t}.${i}`;
          subs.push(agentLoop(sub, session, rng(Math.floor(random() * 2 ** 32)), depth + 1, 2 + Math.floor(random() * 4)));
        }
        await Promise.all(subs);
        result = 'Sub-agent report: ' + text(random, 800);
      } else {
        result = 'Tool output: ' + text(random, 1000 + Math.floor(random() * 2000));
      }
      messages.push({ role: 'user', content: result });
      if (tokensOf(messages, SYSTEM) > MAX_CONTEXT) break;  // context full: the task ends
    }
    ++tasks;
    if (depth > 0) return;  // a sub-agent does one task
  }
}

async function getJson(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return await res.json();
  } catch {
    return null;
  }
}
async function getText(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return await res.text();
  } catch {
    return null;
  }
}

const samples = [];
async function sample(t0) {
  const [premium, local] = await Promise.all([
    getJson(opt['premium-stats']),
    opt['local-stats'] ? getJson(opt['local-stats']) : null,
  ]);
  samples.push({ t: Date.now() - t0, premium, local });
}

const t0 = Date.now();
await sample(t0);
const poller = setInterval(() => sample(t0), 500);
const stopTimer = setTimeout(() => { stop.issuing = false; }, DURATION_MS);
const abortTimer = setTimeout(() => abort.abort(), DURATION_MS + GRACE_MS);
const agents = [];
for (let i = 0; i < AGENTS; ++i) {
  const random = rng(Number(opt.seed) * 1000 + i);
  agents.push(agentLoop(`agent-${i}`, `agent-${i}`, random, 0, 1000));
}
await Promise.all(agents);
const tEnd = Date.now() - t0;
clearTimeout(stopTimer);
clearTimeout(abortTimer);
clearInterval(poller);
await sample(t0);
const metrics = opt.metrics ? await getText(opt.metrics) : null;

console.log(JSON.stringify({
  label: opt.label, agents: AGENTS, duration_ms: DURATION_MS, grace_ms: GRACE_MS, ended_ms: tEnd,
  t0, records: records.map((r) => ({ ...r, t0: r.t0 - t0, t1: r.t1 - t0 })), samples, metrics,
}));
