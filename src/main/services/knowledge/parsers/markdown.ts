import { Lexer, type Token, type Tokens } from 'marked';
import { type SectionBuilder, cleanInline } from './sections';

/** Plain text of inline tokens: markup dropped, link text and image alt text kept. */
function inline(tokens: Token[] | undefined, fallback: string): string {
  if (!tokens) return fallback;
  let out = '';
  for (const t of tokens) {
    switch (t.type) {
      case 'br':
        out += '\n';
        break;
      case 'image':
        out += (t as Tokens.Image).text;
        break;
      case 'html':
        out += (t as Tokens.Tag).text.replace(/<[^>]*>/g, '');
        break;
      case 'checkbox':
        break;
      default: {
        const children = (t as Tokens.Generic).tokens as Token[] | undefined;
        out +=
          children && children.length > 0 ? inline(children, '') : String((t as Tokens.Generic).text ?? '');
      }
    }
  }
  return out;
}

function block(t: Token, builder: SectionBuilder, depth: number): void {
  if (builder.full) return;
  switch (t.type) {
    case 'heading': {
      const h = t as Tokens.Heading;
      builder.heading(h.depth, inline(h.tokens, h.text));
      return;
    }
    case 'paragraph':
    case 'text': {
      const p = t as Tokens.Paragraph;
      builder.paragraph(inline(p.tokens, p.text));
      return;
    }
    case 'code':
      builder.paragraph((t as Tokens.Code).text);
      return;
    case 'blockquote':
      for (const c of (t as Tokens.Blockquote).tokens) block(c, builder, depth + 1);
      return;
    case 'list': {
      const list = t as Tokens.List;
      const lines = list.items.map((item, i) => {
        const marker = list.ordered ? `${(typeof list.start === 'number' ? list.start : 1) + i}.` : '-';
        const indent = '  '.repeat(Math.min(depth, 8));
        return `${indent}${marker} ${listItemText(item, depth)}`;
      });
      builder.paragraph(lines.join('\n'));
      return;
    }
    case 'table': {
      const table = t as Tokens.Table;
      const head = table.header.map((c) => cleanInline(inline(c.tokens, c.text)));
      const rows = table.rows.map((r) =>
        r
          .map((c, i) => `${head[i] ? `${head[i]}: ` : ''}${cleanInline(inline(c.tokens, c.text))}`)
          .join('; '),
      );
      builder.paragraph(rows.length > 0 ? rows.join('\n') : head.join(' | '));
      return;
    }
    case 'html': {
      const text = (t as Tokens.HTML).text
        .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
        .replace(/<[^>]*>/g, ' ');
      builder.paragraph(text);
      return;
    }
    default:
      return; // space, hr, def
  }
}

function listItemText(item: Tokens.ListItem, depth: number): string {
  const parts: string[] = [];
  for (const c of item.tokens) {
    if (c.type === 'list') {
      const sub = c as Tokens.List;
      parts.push(
        sub.items
          .map((s) => `${'  '.repeat(Math.min(depth + 1, 8))}- ${listItemText(s, depth + 1)}`)
          .join('\n'),
      );
    } else if (c.type === 'text' || c.type === 'paragraph') {
      parts.push(cleanInline(inline((c as Tokens.Text).tokens, (c as Tokens.Text).text)));
    } else if (c.type === 'code') {
      parts.push((c as Tokens.Code).text);
    }
  }
  return parts.join('\n');
}

/** YAML front matter at the very top: its title (if any) and the rest of the file. */
function frontMatter(src: string): { title?: string; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)\r?\n/.exec(src);
  if (!m || m[1]!.length > 64 * 1024) return { body: src };
  const t = /^title:\s*["']?(.+?)["']?\s*$/m.exec(m[1]!);
  return { ...(t ? { title: t[1]! } : {}), body: src.slice(m[0].length) };
}

/** Lines longer than this are not Markdown structure; the lexer's regexes degrade on them. */
const MAX_LINE = 100_000;
/** List indentation and blockquote nesting that make the lexer quadratic (or overflow its stack). */
const MAX_INDENT = 64;
const MAX_QUOTE_DEPTH = 32;

/** Why this Markdown should not go through the lexer, or undefined when it is safe to. */
export function markdownHazard(src: string): string | undefined {
  let start = 0;
  while (start <= src.length) {
    let end = src.indexOf('\n', start);
    if (end === -1) end = src.length;
    if (end - start > MAX_LINE) return `a line is longer than ${MAX_LINE.toLocaleString('en-US')} characters`;
    let i = start;
    while (i < end && (src[i] === ' ' || src[i] === '\t')) i++;
    if (i - start > MAX_INDENT && i < end) return 'lists or blocks nest too deeply';
    let quotes = 0;
    for (let k = i; k < end && (src[k] === '>' || src[k] === ' '); k++) if (src[k] === '>') quotes++;
    if (quotes > MAX_QUOTE_DEPTH) return 'block quotes nest too deeply';
    start = end + 1;
  }
  return undefined;
}

/**
 * Markdown via marked's lexer (GFM): headings become the heading path, markup is dropped.
 * Input the lexer cannot handle in bounded time or stack is read as plain text, with a warning.
 */
export function markdownToSections(
  src: string,
  builder: SectionBuilder,
  warnings: string[],
): { title: string } {
  const fm = frontMatter(src);
  const hazard = markdownHazard(fm.body);
  let tokens: Token[];
  try {
    if (hazard) throw new Error(hazard);
    tokens = new Lexer({ gfm: true }).lex(fm.body);
  } catch (e) {
    warnings.push(
      `Markdown structure was not read (${e instanceof Error ? e.message : String(e)}); indexed as plain text.`,
    );
    builder.paragraphs(fm.body);
    return { title: fm.title ? cleanInline(fm.title) : '' };
  }
  let firstH1 = '';
  for (const t of tokens) {
    if (!firstH1 && t.type === 'heading' && (t as Tokens.Heading).depth === 1) {
      firstH1 = cleanInline(inline((t as Tokens.Heading).tokens, (t as Tokens.Heading).text));
    }
    block(t, builder, 0);
    if (builder.full) break;
  }
  return { title: fm.title ? cleanInline(fm.title) : firstH1 };
}
