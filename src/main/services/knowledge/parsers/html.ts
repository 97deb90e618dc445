import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { type SectionBuilder, cleanInline } from './sections';

/** Elements whose content is never text for the knowledge base. */
const SKIP = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'embed',
  'canvas',
  'head',
  'select',
  'button',
  'input',
  'textarea',
  'video',
  'audio',
  'map',
]);
/** Boilerplate removed when there is no article to extract (fallback mode, EPUB chapters). */
const BOILERPLATE = new Set(['nav', 'header', 'footer', 'aside', 'form', 'dialog']);
const BOILERPLATE_ROLES = new Set([
  'navigation',
  'banner',
  'contentinfo',
  'complementary',
  'search',
  'menu',
  'menubar',
]);
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'li',
  'ul',
  'ol',
  'blockquote',
  'pre',
  'table',
  'tr',
  'thead',
  'tbody',
  'tfoot',
  'dl',
  'dt',
  'dd',
  'figure',
  'figcaption',
  'address',
  'hr',
  'caption',
  'body',
  'header',
  'footer',
  'aside',
  'nav',
  'details',
  'summary',
  'center',
  'fieldset',
  'legend',
  'hgroup',
]);
const HEADING = /^h([1-6])$/;

/** The minimal DOM surface the walker needs (linkedom's nodes satisfy it). */
interface DomNode {
  nodeType: number;
  nodeValue: string | null;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
  localName?: string;
  getAttribute?(name: string): string | null;
}

export interface HtmlToSectionsOptions {
  /** 'all': drop nav/header/footer/aside/form and ARIA landmark boilerplate; 'nav': navigation only. */
  drop: 'all' | 'nav' | 'none';
}

/**
 * Walks a DOM in document order (iteratively: deep nesting cannot overflow the stack) and feeds
 * headings and block-level paragraphs to the builder.
 */
export function domToSections(root: DomNode, builder: SectionBuilder, opts: HtmlToSectionsOptions): void {
  let buf = '';
  let pre = 0;
  // Inside a table cell, block elements (Word puts <p> in every cell) do not break the row.
  let cell = 0;
  const flush = (): void => {
    if (buf.trim()) builder.paragraph(buf.replace(/(?: \| )+$/, ''));
    buf = '';
  };
  type Frame = { node: DomNode; exit: boolean };
  const stack: Frame[] = [{ node: root, exit: false }];
  while (stack.length > 0) {
    if (builder.full) return;
    const { node, exit } = stack.pop()!;
    if (node.nodeType === 3) {
      const v = node.nodeValue ?? '';
      buf += pre > 0 ? v : v.replace(/\s+/g, ' ');
      continue;
    }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) continue;
    const tag = (node.localName ?? '').toLowerCase();
    if (exit) {
      if (tag === 'pre') pre--;
      if (tag === 'td' || tag === 'th') cell--;
      if (BLOCK.has(tag) && (cell === 0 || tag === 'table')) flush();
      else if (BLOCK.has(tag)) buf += ' ';
      continue;
    }
    if (SKIP.has(tag)) continue;
    if (opts.drop !== 'none' && isBoilerplate(node, tag, opts.drop)) continue;
    const h = HEADING.exec(tag);
    if (h) {
      flush();
      builder.heading(Number(h[1]), node.textContent ?? '');
      continue;
    }
    if (tag === 'br') {
      buf += '\n';
      continue;
    }
    if (tag === 'td' || tag === 'th') {
      if (buf.trim()) buf += ' | ';
      cell++;
    }
    if (BLOCK.has(tag) && (cell === 0 || tag === 'table')) {
      flush();
      if (tag === 'li') buf = '- ';
    } else if (BLOCK.has(tag)) buf += ' ';
    if (tag === 'pre') pre++;
    stack.push({ node, exit: true });
    const kids = node.childNodes;
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i]!, exit: false });
  }
  flush();
}

function isBoilerplate(node: DomNode, tag: string, drop: 'all' | 'nav'): boolean {
  const role = node.getAttribute?.('role')?.toLowerCase();
  if (drop === 'nav')
    return tag === 'nav' || role === 'navigation' || node.getAttribute?.('epub:type') === 'toc';
  if (BOILERPLATE.has(tag)) return true;
  return role ? BOILERPLATE_ROLES.has(role) : false;
}

/** The charset an HTML/XHTML head declares (meta charset, http-equiv, XML prolog), if any. */
export function declaredCharset(head: Uint8Array): string | undefined {
  const s = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 4096)).toString('latin1');
  const m =
    /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)/i.exec(s) ??
    /<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_:.-]+)/i.exec(s);
  return m?.[1];
}

export interface HtmlResult {
  title: string;
  /** True when Readability found an article; false when the whole body (minus boilerplate) was used. */
  article: boolean;
}

/**
 * An HTML page's main content: Mozilla Readability (the Firefox Reader View algorithm) on a linkedom
 * DOM; when it finds no article, the body without navigation, header, footer and sidebars.
 */
export function htmlPageToSections(html: string, builder: SectionBuilder): HtmlResult {
  const { document } = parseHTML(html);
  const docTitle = cleanInline(document.querySelector('title')?.textContent ?? '');
  let article: ReturnType<Readability['parse']> = null;
  try {
    // Readability mutates the DOM it is given; parse a second copy for the fallback.
    article = new Readability(document as unknown as Document, { charThreshold: 200 }).parse();
  } catch {
    article = null;
  }
  if (article?.content && (article.textContent ?? '').trim().length >= 100) {
    const { document: content } = parseHTML(`<!doctype html><html><body>${article.content}</body></html>`);
    domToSections(content.body as unknown as DomNode, builder, { drop: 'all' });
    return { title: cleanInline(article.title ?? '') || docTitle, article: true };
  }
  const { document: fresh } = parseHTML(html);
  domToSections((fresh.body ?? fresh.documentElement) as unknown as DomNode, builder, { drop: 'all' });
  return { title: docTitle, article: false };
}

/** HTML that is already content (mammoth's DOCX output, EPUB chapters): no article extraction, only
 * navigation dropped. */
export function htmlContentToSections(html: string, builder: SectionBuilder): { title: string } {
  const wrapped = /<html[\s>]/i.test(html) ? html : `<!doctype html><html><body>${html}</body></html>`;
  const { document } = parseHTML(wrapped);
  const title = cleanInline(document.querySelector('title')?.textContent ?? '');
  domToSections((document.body ?? document.documentElement) as unknown as DomNode, builder, { drop: 'nav' });
  return { title };
}
