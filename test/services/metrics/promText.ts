/**
 * Reading `/metrics` output in tests. `parseExposition` is a strict parser of the Prometheus text
 * format 0.0.4 (it throws on anything the format does not allow: a sample without its # TYPE line, a
 * bad label, a non-numeric value, histogram buckets that are not cumulative or lack +Inf); Prometheus'
 * own `promtool check metrics` (Debian `prometheus`) is the second, independent judge.
 *
 * (parse-prometheus-text-format was tried first: it merges the series of a labelled histogram when
 * `le` comes first, as prom-client writes it, so it could not check Nook's histograms.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p));

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/;
const VALUE = /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?inf|nan)$/i;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`bad label set in: ${line}`);
    if (m[1]! in labels) throw new Error(`duplicate label ${m[1]} in: ${line}`);
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    rest = rest.slice(m[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest.length > 0) throw new Error(`bad label separator in: ${line}`);
  }
  return labels;
}

function familyOf(sample: string, type: Family['type'], family: string): boolean {
  if (sample === family) return true;
  if (type === 'histogram') return [`${family}_bucket`, `${family}_sum`, `${family}_count`].includes(sample);
  if (type === 'summary') return [`${family}_sum`, `${family}_count`].includes(sample);
  return false;
}

export function parseExposition(text: string): Family[] {
  const families = new Map<string, Family>();
  let current: Family | null = null;
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the text does not end with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const [, name, help] = /^# HELP (\S+) ?(.*)$/.exec(line) ?? [];
      if (!name || !NAME.test(name)) throw new Error(`bad HELP line: ${line}`);
      const f = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      f.help = help ?? '';
      families.set(name, f);
      current = f;
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, name, type] = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line) ?? [];
      if (!name || !NAME.test(name)) throw new Error(`bad TYPE line: ${line}`);
      const f = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (f.samples.length > 0) throw new Error(`TYPE of ${name} comes after its samples`);
      f.type = type as Family['type'];
      families.set(name, f);
      current = f;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`malformed sample line: ${line}`);
    const [, name, labelText, raw] = m;
    if (!VALUE.test(raw!)) throw new Error(`non-numeric value in: ${line}`);
    if (!current || !familyOf(name!, current.type, current.name))
      throw new Error(`sample ${name} is not in the family declared before it`);
    const value = /^[+-]?inf$/i.test(raw!) ? (raw!.startsWith('-') ? -Infinity : Infinity) : Number(raw);
    current.samples.push({ name: name!, labels: parseLabels(labelText ?? '', line), value });
  }
  const out = [...families.values()];
  for (const f of out) {
    if (!f.help) throw new Error(`${f.name} has no HELP text`);
    if (f.type === 'counter') {
      for (const s of f.samples) if (s.value < 0) throw new Error(`counter ${s.name} is negative`);
    }
    if (f.type === 'histogram') checkHistogram(f);
  }
  return out;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${s.name} without le`);
      entry.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
    else if (s.name.endsWith('_sum')) entry.sum = s.value;
    series.set(key, entry);
  }
  for (const [key, s] of series) {
    const last = s.buckets[s.buckets.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket last`);
    for (let i = 1; i < s.buckets.length; i++) {
      if (s.buckets[i]![0] <= s.buckets[i - 1]![0]) throw new Error(`${f.name}${key}: bounds not increasing`);
      if (s.buckets[i]![1] < s.buckets[i - 1]![1]) throw new Error(`${f.name}${key}: buckets not cumulative`);
    }
    if (s.count !== last[1]) throw new Error(`${f.name}${key}: +Inf bucket ${last[1]} != count ${s.count}`);
    if (s.sum === undefined) throw new Error(`${f.name}${key}: no _sum`);
  }
}

/** `promtool check metrics` on the text: its exit status and what it printed. */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  if (!PROMTOOL) throw new Error('promtool is not installed');
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * The value of the first sample of family `name` whose labels include `labels`; `field` picks a
 * histogram's `_count` or `_sum` series.
 */
export function sampleValue(
  families: Family[],
  name: string,
  labels: Record<string, string> = {},
  field: 'value' | 'count' | 'sum' = 'value',
): number | undefined {
  const f = families.find((x) => x.name === name);
  const sampleName = field === 'value' ? name : `${name}_${field}`;
  const s = f?.samples.find(
    (x) => x.name === sampleName && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
  );
  return s?.value;
}
