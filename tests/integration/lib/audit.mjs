// Helpers for the audit tests (issue 5): read the gateway's SQLite audit database with the
// sqlite3 shell, and parse /metrics with the official Prometheus Python client's parser.
import { execFileSync } from 'node:child_process';

// Rows of `sql` against the database at `path`, as objects (sqlite3 -json).
export function queryDb(path, sql) {
  const out = execFileSync('sqlite3', ['-json', '-readonly', path, sql], { encoding: 'utf8' });
  return out.trim() === '' ? [] : JSON.parse(out);
}

// Parses Prometheus text with prometheus_client.parser (Debian's python3-prometheus-client, so
// /usr/bin/python3 and not whatever python3 is first on PATH), which
// throws on anything that is not valid exposition format. Returns
// [{name, type, samples: [{name, labels, value}]}].
export function parsePrometheus(text) {
  const script = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]})
print(json.dumps(out))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', script], { input: text, encoding: 'utf8' });
  return JSON.parse(out);
}

// The value of the sample `name` whose labels include `labels` (undefined when none).
export function sample(families, name, labels = {}) {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) {
        return s.value;
      }
    }
  }
  return undefined;
}
