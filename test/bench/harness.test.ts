import { describe, expect, it } from 'vitest';
import { END_MARKER, renderMarkdown, replaceSection, START_MARKER, type ResultsFile } from '../../bench/run';
import { meetsTarget, median, percentile } from '../../bench/types';

describe('bench statistics', () => {
  it('nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile(xs, 0)).toBe(1);
    expect(median([5, 1, 3])).toBe(3);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });

  it('targets: max is an upper bound, min a lower bound', () => {
    expect(meetsTarget({ name: 'a', value: 900, unit: 'ms', target: { max: 1000 } })).toBe(true);
    expect(meetsTarget({ name: 'a', value: 1001, unit: 'ms', target: { max: 1000 } })).toBe(false);
    expect(meetsTarget({ name: 'a', value: 5, unit: 'ops/s', target: { min: 10 } })).toBe(false);
    expect(meetsTarget({ name: 'a', value: Number.NaN, unit: 'ms', target: { max: 1 } })).toBe(false);
    expect(meetsTarget({ name: 'a', value: 1, unit: 'ms' })).toBeNull();
  });
});

describe('BENCHMARKS.md section', () => {
  const results: ResultsFile = {
    host: {
      module: 'host',
      date: '2026-01-02T03:04:05.000Z',
      machine: { cpu: 'Test CPU', cores: 4, ramGB: 16, os: 'Linux', node: 'v20.20.0', load: 0.5 },
      results: [
        { name: 'cold start', value: 812.4, unit: 'ms', target: { max: 1000 }, notes: 'a | b' },
        { name: 'rss', value: 160, unit: 'MB', target: { max: 150 } },
      ],
    },
  };

  it('renders machine, values, targets and escapes pipes', () => {
    const md = renderMarkdown(results);
    expect(md.startsWith(START_MARKER)).toBe(true);
    expect(md.endsWith(END_MARKER)).toBe(true);
    expect(md).toContain('Test CPU (4 cores), 16 GB RAM, Linux, Node v20.20.0, load average 0.5 at start');
    expect(md).toContain('| cold start | 812 ms | < 1000 ms ✅ | a \\| b |');
    expect(md).toContain('| rss | 160 MB | < 150 MB ❌ |  |');
  });

  it('replaces only the marked section and keeps the prose around it', () => {
    const doc = `# Benchmarks\n\nprose before\n\n${START_MARKER}\nold\n${END_MARKER}\n\nprose after\n`;
    const out = replaceSection(doc, `${START_MARKER}\nnew\n${END_MARKER}`);
    expect(out).toBe(`# Benchmarks\n\nprose before\n\n${START_MARKER}\nnew\n${END_MARKER}\n\nprose after\n`);
    const appended = replaceSection('# Benchmarks\n', `${START_MARKER}\nx\n${END_MARKER}`);
    expect(appended).toBe(`# Benchmarks\n\n${START_MARKER}\nx\n${END_MARKER}\n`);
  });
});
