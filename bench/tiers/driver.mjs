// The workload of bench/tiers.sh: N Claude Code-like sessions, each a main loop on the senior
// model whose context grows every turn (with its tool list), Claude Code's own side requests
// (titles and summaries on the small model: no tools, a claude-cli user agent and the session
// header), and sub-agents doing grunt work (reading files: x-spillway-agent sub-reader, tools,
// smaller contexts). Sent through the gateway with the official Anthropic SDK; every request is
// checked. Prints one JSON object: requests sent and failed, by kind.
//
//   node bench/tiers/driver.mjs --url URL [--sessions 6] [--turns 12] [--seed 1]
import { parseArgs } from 'node:util';

import { rng, text } from '../workload_text.mjs';

const { default: Anthropic } = await import(
  new URL('../../tests/clients/node_modules/@anthropic-ai/sdk/index.mjs', import.meta.url).href
);

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    sessions: { type: 'string', default: '6' },
    turns: { type: 'string', default: '12' },
    seed: { type: 'string', default: '1' },
  },
});
if (!opt.url) {
  console.error('driver.mjs: --url is required');
  process.exit(2);
}

const TOOLS = ['Bash', 'Read', 'Edit', 'Grep', 'Glob', 'Write'].map((name) => ({
  name, description: `the ${name} tool`, input_schema: { type: 'object', properties: { arg: { type: 'string' } } },
}));

const counts = { main: 0, side: 0, sub: 0, failed: 0 };
const failures = [];

async function run(client, kind, params, headers) {
  counts[kind] += 1;
  try {
    const msg = await client.messages.create(params, { headers });
    if (msg.type !== 'message') throw new Error(`not a message: ${JSON.stringify(msg).slice(0, 200)}`);
  } catch (e) {
    counts.failed += 1;
    failures.push(`${kind}: ${e.message}`.slice(0, 300));
  }
}

async function session(index) {
  const random = rng(Number(opt.seed) * 1000 + index);
  const id = `bench-session-${index}`;
  const client = new Anthropic({ baseURL: opt.url, apiKey: 'unused', maxRetries: 0 });
  const cc = { 'x-claude-code-session-id': id, 'user-agent': 'claude-cli/2.1.197 (external, cli)' };
  let context = text(random, 4000);  // system prompt, CLAUDE.md, the task
  await run(client, 'side', { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: `Title for: ${context.slice(0, 400)}` }] }, cc);
  for (let turn = 0; turn < Number(opt.turns); turn += 1) {
    // The main loop: the whole conversation every turn, tools declared.
    await run(client, 'main', {
      model: 'claude-sonnet-4-5', max_tokens: 1024, tools: TOOLS,
      messages: [{ role: 'user', content: context }],
    }, cc);
    context += ' ' + text(random, 1500 + Math.floor(random() * 2500));  // a tool result joins it
    if (turn % 4 === 3) {
      // A sub-agent reads files on its own, smaller context, three turns.
      const sub = { ...cc, 'x-spillway-agent': 'sub-reader' };
      let subContext = text(random, 2000);
      for (let s = 0; s < 3; s += 1) {
        await run(client, 'sub', { model: 'claude-sonnet-4-5', max_tokens: 512, tools: TOOLS, messages: [{ role: 'user', content: subContext }] }, sub);
        subContext += ' ' + text(random, 1500);
      }
    }
    if (turn % 6 === 5) {
      // Claude Code summarises and retitles on the small model, without tools.
      await run(client, 'side', { model: 'claude-haiku-4-5', max_tokens: 256, messages: [{ role: 'user', content: `Summarise: ${context.slice(-4000)}` }] }, cc);
    }
  }
}

await Promise.all(Array.from({ length: Number(opt.sessions) }, (_, i) => session(i)));
console.log(JSON.stringify({ ...counts, failures: failures.slice(0, 5) }));
