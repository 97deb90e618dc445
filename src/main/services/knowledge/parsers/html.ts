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

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
/** Elements HTML closes implicitly (an unclosed <p> is not nesting). */
const AUTO_CLOSED = new Set([
  'p',
  'li',
  'dt',
  'dd',
  'tr',
  'td',
  'th',
  'option',
  'thead',
  'tbody',
  'tfoot',
  'rt',
  'rp',
]);
/** The DOM parser (and everything after it) slows down super-linearly with nesting depth. */
const MAX_TAG_DEPTH = 500;

/** Nesting depth from the tags alone, in one linear scan, before any DOM is built. */
export function tagDepth(html: string, limit = Infinity): number {
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(\/?)>/g;
  let depth = 0;
  let max = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const name = m[2]!.toLowerCase();
    if (VOID.has(name) || AUTO_CLOSED.has(name) || m[3] === '/') continue;
    if (m[1] === '/') depth = Math.max(0, depth - 1);
    else if (++depth > max) {
      max = depth;
      if (max > limit) return max;
    }
  }
  return max;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Text of HTML without a DOM: for pages too deeply nested to parse in bounded time. */
export function stripTags(html: string): string {
  return html
    .replace(/<(script|style|noscript|template|svg|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<\/?(p|div|section|article|li|tr|h[1-6]|br|blockquote|pre|table|ul|ol)\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? whole;
    });
}

/** Readability slows down super-linearly with nesting (a 1000-deep page takes minutes): past these
 * bounds the page is read without article extraction. Real pages stay far below them. */
const READABILITY_MAX_DEPTH = 120;
const READABILITY_MAX_ELEMENTS = 20_000;

/** Whether the tree is within both bounds (iterative; stops as soon as one is exceeded). */
function withinBounds(root: DomNode, maxDepth: number, maxElements: number): boolean {
  const stack: Array<[DomNode, number]> = [[root, 0]];
  let elements = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node.nodeType !== 1 && node.nodeType !== 9) continue;
    if (++elements > maxElements || depth > maxDepth) return false;
    const kids = node.childNodes;
    for (let i = 0; i < kids.length; i++) stack.push([kids[i]!, depth + 1]);
  }
  return true;
}

/** The first <title>, searched breadth-first among the first few hundred elements (no recursion). */
function findTitle(root: DomNode): string {
  const queue: DomNode[] = [root];
  for (let seen = 0; queue.length > 0 && seen < 500; seen++) {
    const node = queue.shift()!;
    if ((node.localName ?? '').toLowerCase() === 'title') return cleanInline(node.textContent ?? '');
    if ((node.localName ?? '').toLowerCase() === 'body') continue;
    const kids = node.childNodes;
    for (let i = 0; i < kids.length; i++) if (kids[i]!.nodeType === 1) queue.push(kids[i]!);
  }
  return '';
}

/** linkedom needs <html>/<body> to build a body: a fragment is wrapped in them. */
function asDocument(html: string): string {
  return /<(html|body)[\s>]/i.test(html) ? html : `<!doctype html><html><body>${html}</body></html>`;
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
export function htmlPageToSections(html: string, builder: SectionBuilder, warnings: string[]): HtmlResult {
  if (tagDepth(html, MAX_TAG_DEPTH) > MAX_TAG_DEPTH) {
    warnings.push(
      `The page nests elements more than ${MAX_TAG_DEPTH} deep; its text was read without structure.`,
    );
    builder.paragraphs(stripTags(html));
    return { title: '', article: false };
  }
  html = asDocument(html);
  const { document } = parseHTML(html);
  const docTitle = findTitle(document as unknown as DomNode);
  let article: ReturnType<Readability['parse']> = null;
  if (withinBounds(document as unknown as DomNode, READABILITY_MAX_DEPTH, READABILITY_MAX_ELEMENTS)) {
    try {
      // Readability mutates the DOM it is given; the fallback below parses a fresh copy.
      article = new Readability(document as unknown as Document, { charThreshold: 200 }).parse();
    } catch {
      article = null;
    }
  } else {
    warnings.push(
      'The page is too large or too deeply nested for article extraction; boilerplate was removed by element type only.',
    );
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
  if (tagDepth(html, MAX_TAG_DEPTH) > MAX_TAG_DEPTH) {
    builder.paragraphs(stripTags(html));
    return { title: '' };
  }
  const { document } = parseHTML(asDocument(html));
  const title = findTitle(document as unknown as DomNode);
  domToSections((document.body ?? document.documentElement) as unknown as DomNode, builder, { drop: 'nav' });
  return { title };
}
