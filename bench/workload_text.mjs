// What the bench/ agent drivers (swarm, tiers) share: a seeded random generator, so every run
// gets the same sequence of sizes, and request text of a given size.

// A small seeded generator (mulberry32).
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// About `tokens` tokens of plain ASCII words (no JSON escapes), so the mock's count (bytes / 4)
// and the gateway's estimate agree: the request sizes are what they claim.
export function text(random, tokens) {
  const words = [];
  let bytes = 0;
  while (bytes < tokens * 4) {
    const w = 'w' + Math.floor(random() * 1e6).toString(36);
    words.push(w);
    bytes += w.length + 1;
  }
  return words.join(' ');
}
