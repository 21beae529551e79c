// The dashboard page: live figures from /admin/events (a stats snapshot each second), recent
// requests from /admin/recent, and the history view from /admin/history (the audit report).
// Plain JS over uPlot; every figure comes from the gateway's API (docs/dashboard.md).
'use strict';

(() => {
  const MAX_HISTORY_POINTS = 1500;  // a day is 1440 minutes; longer windows are summed into buckets
  const QUEUE_SAMPLES = 3600;       // an hour of per-second queue depth samples
  const RECENT_ROWS = 50;
  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];

  const $ = (id) => document.getElementById(id);
  const state = {
    key: sessionStorage.getItem('spillway-admin-key') || '',
    minutes: Number($('live-window').value),
    stream: null,        // AbortController of the open event stream
    retryMs: 1000,
    charts: {},          // id -> {plot, signature}
    queue: [[], []],     // [unix seconds], [waiting]
    recentSeq: -1,
    recentBusy: false,
    events: 0,
    historyLoaded: false,
  };

  // A key can come in the URL's fragment (never sent to the server, nor logged): /ui#key=...
  if (location.hash.startsWith('#key=')) {
    state.key = decodeURIComponent(location.hash.slice(5));
    sessionStorage.setItem('spillway-admin-key', state.key);
    history.replaceState(null, '', location.pathname);
  }

  function headers() {
    return state.key ? { authorization: `Bearer ${state.key}` } : {};
  }

  const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const fmt = (n) => (n === null || n === undefined ? '–' : int.format(n));
  const usd = (n) => (n === null || n === undefined ? '–' : `$${n.toFixed(n >= 100 ? 2 : 4)}`);

  function setValue(id, value, text) {
    const el = $(id);
    el.dataset.value = String(value);
    el.textContent = text === undefined ? fmt(value) : text;
  }

  function setStatus(stateName, text) {
    const el = $('connection');
    el.dataset.state = stateName;
    el.textContent = text;
  }

  async function errorMessage(res) {
    try {
      const body = await res.json();
      return body?.error?.message || `HTTP ${res.status}`;
    } catch {
      return `HTTP ${res.status}`;
    }
  }

  function showAuth(message) {
    $('auth-why').textContent = message;
    $('auth').hidden = false;
    setStatus('refused', 'admin key needed');
  }

  $('auth').addEventListener('submit', (e) => {
    e.preventDefault();
    state.key = $('auth-key').value.trim();
    sessionStorage.setItem('spillway-admin-key', state.key);
    $('auth').hidden = true;
    connect();
    if (!$('history').hidden) loadHistory();
  });

  // ---- charts ---------------------------------------------------------------------------------

  function chartWidth(el) {
    return Math.max(200, el.clientWidth - 16);
  }

  // Draws `data` ([xs, ...ys]) with one series per label; the plot is rebuilt when the labels change.
  function draw(id, labels, data, { height = 170, yLabel = '' } = {}) {
    const el = $(id);
    let nonzero = 0;
    for (let s = 1; s < data.length; s++) {
      for (const v of data[s]) if (v) nonzero++;
    }
    el.dataset.points = String(data[0].length);
    el.dataset.nonzero = String(nonzero);
    const signature = labels.join('\u0000');
    let c = state.charts[id];
    if (c && c.signature !== signature) {
      c.plot.destroy();
      c = null;
    }
    if (!c) {
      const opts = {
        width: chartWidth(el),
        height,
        series: [{}, ...labels.map((label, i) => ({
          label, stroke: COLORS[i % COLORS.length], width: 1.5, points: { show: false },
        }))],
        axes: [{}, { label: yLabel, size: 60 }],
        scales: { x: { time: true } },
        legend: { live: true },
      };
      c = { plot: new uPlot(opts, data, el), signature };
      state.charts[id] = c;
    } else {
      c.plot.setData(data);
    }
  }

  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const [id, c] of Object.entries(state.charts)) {
        const el = $(id);
        if (el.offsetParent !== null) c.plot.setSize({ width: chartWidth(el), height: c.plot.height });
      }
    }, 150);
  });

  // ---- live -----------------------------------------------------------------------------------

  function render(stats) {
    state.events++;
    document.body.dataset.statsEvents = String(state.events);
    const t = stats.totals;
    const limits = stats.limits || { upstreams: [], queue: {} };
    const queue = limits.queue || {};
    let received = 0;
    let avoided = 0;
    for (const u of limits.upstreams) {
      received += u.received_429s;
      avoided += u.avoided;
    }
    setValue('total-requests', t.requests);
    setValue('total-input', t.input_tokens);
    setValue('total-output', t.output_tokens);
    setValue('total-cache', t.cache_read_tokens + t.cache_write_tokens);
    setValue('total-cost', t.cost_usd, usd(t.cost_usd));
    setValue('total-429-received', received);
    setValue('total-429-avoided', avoided);
    setValue('total-overflowed', queue.overflowed ?? 0);
    setValue('queue-waiting', queue.waiting ?? 0);
    setValue('queue-waits', queue.queued_total ?? 0,
      `${fmt(queue.queued_total ?? 0)} / ${(queue.wait_seconds_total ?? 0).toFixed(1)} s`);
    setValue('total-errors', t.errors);

    // Per-minute series: configured upstreams, and "none" (refused before any) once it has some.
    const shown = stats.upstreams.filter((u) => u.name !== 'none' || u.totals.requests > 0).map((u) => u.name);
    const m = stats.minutes;
    const xs = Array.from({ length: m.count }, (_, i) => m.first_minute_ms / 1000 + i * 60);
    const pick = (field) => [xs, ...shown.map((name) => m.series[name][field])];
    draw('chart-requests', shown, pick('requests'), { yLabel: 'requests' });
    draw('chart-input', shown, pick('input_tokens'), { yLabel: 'tokens' });
    draw('chart-output', shown, pick('output_tokens'), { yLabel: 'tokens' });
    const sum = (field) => xs.map((_, i) => shown.reduce((acc, name) => acc + m.series[name][field][i], 0));
    draw('chart-pressure', ['429s received', 'overflowed', 'queued'],
      [xs, sum('upstream_429s'), sum('overflowed'), sum('queued')], { yLabel: 'requests' });
    draw('chart-wait', ['seconds waited'], [xs, sum('queued_ms').map((v) => v / 1000)], { yLabel: 's' });
    state.queue[0].push(stats.now_ms / 1000);
    state.queue[1].push(queue.waiting ?? 0);
    if (state.queue[0].length > QUEUE_SAMPLES) {
      state.queue[0].shift();
      state.queue[1].shift();
    }
    draw('chart-queue', ['waiting'], state.queue, { yLabel: 'requests' });

    renderUpstreams(stats, limits);
    renderHeadroom(limits);
    if (stats.recent_seq !== state.recentSeq) loadRecent(stats.recent_seq);
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function renderUpstreams(stats, limits) {
    const byName = new Map(limits.upstreams.map((u) => [u.upstream, u]));
    const body = $('upstreams').tBodies[0];
    body.replaceChildren();
    for (const u of stats.upstreams) {
      if (u.name === 'none' && u.totals.requests === 0) continue;
      const l = byName.get(u.name);
      const tr = document.createElement('tr');
      tr.dataset.upstream = u.name;
      cell(tr, u.name === 'none' ? 'none (refused before an upstream)' : u.name, 'text');
      cell(tr, fmt(u.totals.requests));
      cell(tr, fmt(u.totals.input_tokens));
      cell(tr, fmt(u.totals.output_tokens));
      cell(tr, fmt(u.totals.cache_read_tokens + u.totals.cache_write_tokens));
      cell(tr, usd(u.totals.cost_usd));
      cell(tr, fmt(u.totals.errors));
      cell(tr, l ? fmt(l.received_429s) : '–');
      cell(tr, l ? fmt(l.avoided) : '–');
      cell(tr, fmt(u.totals.overflowed));
      cell(tr, l ? l.circuit : '–', l && l.circuit !== 'closed' ? 'status-bad' : '');
      body.appendChild(tr);
    }
  }

  function meter(parent, label, available, limit) {
    const row = document.createElement('div');
    row.className = 'meter';
    const name = document.createElement('span');
    name.textContent = label;
    const bar = document.createElement('div');
    bar.className = 'bar';
    const fill = document.createElement('div');
    fill.className = 'fill';
    const nums = document.createElement('span');
    nums.className = 'nums';
    if (limit > 0) {
      const share = Math.max(0, Math.min(1, available / limit));
      fill.style.width = `${(share * 100).toFixed(1)}%`;
      if (share < 0.1) fill.classList.add('empty');
      else if (share < 0.3) fill.classList.add('low');
      nums.textContent = `${fmt(Math.max(0, available))} / ${fmt(limit)}`;
    } else {
      nums.textContent = 'no limit known';
    }
    bar.appendChild(fill);
    row.append(name, bar, nums);
    parent.appendChild(row);
  }

  function renderHeadroom(limits) {
    const box = $('headroom');
    box.replaceChildren();
    for (const u of limits.upstreams) {
      u.keys.forEach((k, i) => {
        const div = document.createElement('div');
        div.className = 'key';
        const h = document.createElement('h3');
        h.textContent = `${u.upstream} · key ${i} `;
        const small = document.createElement('small');
        small.textContent = `${!k.source || k.source === 'none' ? 'no provider key' : k.source}${k.in_flight ? ` · ${k.in_flight} in flight` : ''}` +
          `${k.cooling_ms ? ` · cooling ${Math.ceil(k.cooling_ms / 1000)} s` : ''}`;
        h.appendChild(small);
        div.appendChild(h);
        meter(div, 'requests', k.available.requests, k.effective.rpm);
        // A key metered on input and output together (OpenAI's tpm) has one token bucket.
        if (k.effective.tpm > 0 && !k.effective.itpm && !k.effective.otpm) {
          meter(div, 'tokens (in+out)', k.available.tokens, k.effective.tpm);
        } else {
          meter(div, 'input tokens', k.available.input_tokens, k.effective.itpm);
          meter(div, 'output tokens', k.available.output_tokens, k.effective.otpm);
        }
        box.appendChild(div);
      });
    }
  }

  async function loadRecent(seq) {
    if (state.recentBusy) return;
    state.recentBusy = true;
    try {
      const res = await fetch(`/admin/recent?limit=${RECENT_ROWS}`, { headers: headers() });
      if (!res.ok) return;
      const body = await res.json();
      state.recentSeq = seq;
      const tbody = $('recent').tBodies[0];
      tbody.replaceChildren();
      for (const r of body.requests) {
        const tr = document.createElement('tr');
        cell(tr, new Date(r.start_ms).toISOString().slice(11, 19));
        cell(tr, r.agent || '–', 'text');
        cell(tr, r.model || '–', 'text');
        cell(tr, r.route || '–', 'text');
        cell(tr, `${r.upstream || '–'}${r.overflowed ? ' (overflow)' : ''}`, 'text');
        cell(tr, String(r.status), r.status >= 200 && r.status < 300 ? 'status-ok' : 'status-bad');
        cell(tr, String(r.attempts));
        cell(tr, fmt(r.queued_ms));
        cell(tr, r.ttft_ms >= 0 ? fmt(r.ttft_ms) : '–');
        cell(tr, fmt(r.duration_ms));
        cell(tr, fmt(r.input_tokens));
        cell(tr, fmt(r.output_tokens));
        cell(tr, r.cost_usd === null ? '–' : usd(r.cost_usd));
        tbody.appendChild(tr);
      }
    } catch {
      // the next event tries again
    } finally {
      state.recentBusy = false;
    }
  }

  // /admin/events read with fetch (an EventSource cannot send the admin key).
  async function connect() {
    if (state.stream) state.stream.abort();
    const ctl = new AbortController();
    state.stream = ctl;
    setStatus('connecting', 'connecting…');
    try {
      const res = await fetch(`/admin/events?minutes=${state.minutes}`, { headers: headers(), signal: ctl.signal });
      if (res.status === 401 || res.status === 403) {
        showAuth(await errorMessage(res));
        return;
      }
      if (!res.ok) throw new Error(await errorMessage(res));
      setStatus('live', 'live');
      state.retryMs = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) render(JSON.parse(data));
        }
      }
      throw new Error('the gateway closed the stream');
    } catch (e) {
      if (ctl.signal.aborted) return;
      setStatus('error', `disconnected (${e.message}); retrying`);
      setTimeout(() => { if (state.stream === ctl) connect(); }, state.retryMs);
      state.retryMs = Math.min(state.retryMs * 2, 30000);
    }
  }

  $('live-window').addEventListener('change', (e) => {
    state.minutes = Number(e.target.value);
    connect();
  });

  // ---- history --------------------------------------------------------------------------------

  // Sums consecutive minutes so no chart draws more than MAX_HISTORY_POINTS points.
  function bucketed(perMinute) {
    const step = Math.max(1, Math.ceil(perMinute.length / MAX_HISTORY_POINTS));
    const xs = [];
    const tokens = [];
    const requests = [];
    for (let i = 0; i < perMinute.length; i += step) {
      let tk = 0;
      let rq = 0;
      for (let j = i; j < Math.min(i + step, perMinute.length); j++) {
        tk += perMinute[j].total_tokens;
        rq += perMinute[j].requests;
      }
      xs.push(Date.parse(perMinute[i].minute) / 1000);
      tokens.push(tk / step);
      requests.push(rq / step);
    }
    return { xs, tokens, requests, step };
  }

  async function loadHistory() {
    const since = $('history-since').value;
    const by = $('history-by').value;
    $('history-status').textContent = 'loading…';
    try {
      const res = await fetch(`/admin/history?since=${encodeURIComponent(since)}&by=${encodeURIComponent(by)}`,
        { headers: headers() });
      if (res.status === 401 || res.status === 403) {
        showAuth(await errorMessage(res));
        return;
      }
      if (!res.ok) throw new Error(await errorMessage(res));
      const report = await res.json();
      const t = report.totals;
      setValue('history-requests', t.requests);
      setValue('history-tokens', t.total_tokens);
      setValue('history-input', t.input_tokens);
      setValue('history-output', t.output_tokens);
      setValue('history-cost', t.cost_usd, usd(t.cost_usd));
      const q = report.percentiles.tokens_per_minute;
      setValue('history-p50', q.p50);
      setValue('history-p95', q.p95);
      setValue('history-peak', q.max);
      const b = bucketed(report.per_minute);
      const per = b.step === 1 ? 'per minute' : `per minute (mean over ${b.step}-minute buckets)`;
      $('chart-history-tokens').querySelector('figcaption').textContent = `Tokens ${per}`;
      $('chart-history-requests').querySelector('figcaption').textContent = `Requests ${per}`;
      draw('chart-history-tokens', ['tokens'], [b.xs, b.tokens], { height: 200, yLabel: 'tokens' });
      draw('chart-history-requests', ['requests'], [b.xs, b.requests], { height: 200, yLabel: 'requests' });
      $('history-groups-title').textContent = `By ${report.group_by}`;
      const tbody = $('history-groups').tBodies[0];
      tbody.replaceChildren();
      for (const g of report.groups) {
        const tr = document.createElement('tr');
        cell(tr, g.key || '(none)', 'text');
        cell(tr, fmt(g.totals.requests));
        cell(tr, fmt(g.totals.total_tokens));
        cell(tr, usd(g.totals.cost_usd));
        const r = g.rates.tokens_per_minute;
        cell(tr, fmt(r.p50));
        cell(tr, fmt(r.p95));
        cell(tr, fmt(r.p99));
        cell(tr, fmt(r.max));
        cell(tr, fmt(g.totals.queued_requests));
        cell(tr, fmt(g.totals.overflowed_requests));
        cell(tr, fmt(g.totals.error_requests));
        tbody.appendChild(tr);
      }
      $('history-status').textContent = `${fmt(report.window.minutes)} minutes with traffic, ${fmt(t.requests)} requests`;
      document.body.dataset.historyLoaded = String(Number(document.body.dataset.historyLoaded || 0) + 1);
    } catch (e) {
      $('history-status').textContent = `failed: ${e.message}`;
    }
  }

  $('history-load').addEventListener('click', loadHistory);
  $('history-since').addEventListener('change', loadHistory);
  $('history-by').addEventListener('change', loadHistory);

  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => {
      for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t === tab);
      const which = tab.dataset.tab;
      $('live').hidden = which !== 'live';
      $('history').hidden = which !== 'history';
      $('window-label').hidden = which !== 'live';
      if (which === 'history') loadHistory();
      else {
        // Charts drawn while hidden have no width: fit them now.
        for (const [id, c] of Object.entries(state.charts)) {
          const el = $(id);
          if (el.offsetParent !== null) c.plot.setSize({ width: chartWidth(el), height: c.plot.height });
        }
      }
    });
  }

  connect();
})();
