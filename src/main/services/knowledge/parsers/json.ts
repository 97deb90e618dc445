import { type SectionBuilder } from './sections';

const MAX_PATH_DEPTH = 32;

function keyPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const safe = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  return parent ? `${parent}.${safe}` : safe;
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? 'null';
}

/**
 * A JSON value as "key.path: value" lines (iterative, any depth). Each top-level entry (an object
 * key, an array element) is one paragraph, so a record of an array of records stays together;
 * `oneParagraph` keeps the whole value together (a JSON Lines record).
 */
export function jsonValueToSections(
  value: unknown,
  builder: SectionBuilder,
  prefix = '',
  oneParagraph = false,
): void {
  const top: Array<[string, unknown]> =
    !oneParagraph && value !== null && typeof value === 'object'
      ? Array.isArray(value)
        ? value.map((v, i) => [keyPath(prefix, i), v])
        : Object.entries(value).map(([k, v]) => [keyPath(prefix, k), v])
      : [[prefix, value]];
  for (const [path, v] of top) {
    if (builder.full) return;
    const lines: string[] = [];
    const stack: Array<[string, unknown, number]> = [[path, v, 0]];
    while (stack.length > 0) {
      const [p, node, depth] = stack.pop()!;
      if (node !== null && typeof node === 'object') {
        const entries: Array<[string, unknown]> = Array.isArray(node)
          ? node.map((c, i) => [depth < MAX_PATH_DEPTH ? keyPath(p, i) : p, c])
          : Object.entries(node).map(([k, c]) => [depth < MAX_PATH_DEPTH ? keyPath(p, k) : p, c]);
        for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![0], entries[i]![1], depth + 1]);
      } else {
        lines.push(p ? `${p}: ${scalar(node)}` : scalar(node));
      }
      // Keep a huge record from building an unbounded line list: flush in blocks.
      if (lines.length >= 2000) {
        builder.paragraph(lines.join('\n'));
        lines.length = 0;
        if (builder.full) return;
      }
    }
    if (lines.length > 0) builder.paragraph(lines.join('\n'));
  }
}
