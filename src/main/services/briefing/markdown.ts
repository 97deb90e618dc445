/** A briefing as Markdown (export) and as plain sentences to read aloud. */
import type { Briefing, BriefingItem, BriefingSource } from '../../../shared/types/briefing';
import { clockTime, longDay } from './time';

/** Escapes what Markdown would read as markup in text from documents. */
function md(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}

function link(s: BriefingSource): string {
  const target = encodeURI(
    s.path.startsWith('/') ? `file://${s.path}` : `file:///${s.path.replace(/\\/g, '/')}`,
  );
  return `[${md(s.title)}${s.page !== null ? `, p. ${s.page}` : ''}](${target})`;
}

function itemLine(i: BriefingItem): string {
  const flag = i.overdue ? '**Overdue** · ' : '';
  const detail = i.detail ? ` — ${md(i.detail)}` : '';
  const sources = i.sources.length ? ` (${i.sources.slice(0, 3).map(link).join('; ')})` : '';
  return `- ${flag}${md(i.text)}${detail}${sources}`;
}

export function briefingMarkdown(b: Briefing): string {
  const year = b.date.slice(0, 4);
  const lines = [
    `# Briefing — ${longDay(b.date)} ${year}`,
    '',
    `_Generated at ${clockTime(b.generatedAt, b.timeZone)} (${b.trigger}), ${b.timeZone}._`,
    '',
    md(b.summary),
  ];
  for (const s of b.sections) {
    lines.push('', `## ${md(s.title)}`, '');
    if (s.summary) lines.push(md(s.summary), '');
    if (s.items.length) lines.push(...s.items.map(itemLine));
    else if (s.emptyText) lines.push(`_${md(s.emptyText)}_`);
    if (s.sources.length) {
      lines.push('', '<details><summary>Sources</summary>', '');
      lines.push(...s.sources.map((src) => `- ${link(src)} — ${md(src.path)}`));
      lines.push('', '</details>');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** What "read my briefing" says: the summary and the first items of each section, in plain sentences. */
export function briefingSpeech(b: Briefing, maxChars = 2500): string {
  const parts = [`Your briefing for ${longDay(b.date)}.`, b.summary];
  for (const s of b.sections) {
    if (!s.items.length) continue;
    const items = s.items.slice(0, s.kind === 'deadlines' ? 5 : 3).map((i) => {
      const text = i.text.replace(/[.!?]+$/, '');
      return s.kind === 'deadlines' && i.detail ? `${i.overdue ? 'Overdue: ' : ''}${text}` : text;
    });
    const lead = s.kind === 'updates' && s.summary ? ` ${s.summary}` : '';
    parts.push(`${s.title}.${lead} ${items.join('. ')}.`);
  }
  let text = parts.join(' ').replace(/\s+/g, ' ').trim();
  if (text.length > maxChars)
    text = `${text.slice(0, text.lastIndexOf('.', maxChars) + 1)} That is all for now.`;
  return text;
}
