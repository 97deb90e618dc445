import { type DocumentSection } from '../../../../shared/types/knowledge';

// Each pass below matches only what it changes: String#replace with no match returns the same
// string, so clean text (the common case, and a 10 MB line of words) is not copied again and again.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\ufffe\uffff]/g;
const SPACES = /[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]{2,}|[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]/g;
const AROUND_NEWLINE = / +\n *|\n +/g;

/** Collapse runs of spaces/tabs, drop control characters, trim each line; keeps single newlines. */
export function cleanText(s: string): string {
  // C0/C1 controls except \t \n (\r is handled first); U+FFFE/FFFF non-characters; stray BOMs.
  return s
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, ' ')
    .replace(SPACES, ' ')
    .replace(AROUND_NEWLINE, '\n')
    .trim();
}

/** Inline text: every whitespace run becomes one space. */
export function cleanInline(s: string): string {
  return cleanText(s).replace(/\s+/g, ' ');
}

/**
 * Accumulates paragraphs into sections, starting a new section at every heading and every page.
 * Keeps the heading stack (a heading of level n closes deeper ones) and stops taking text once
 * `maxChars` is reached, with one warning.
 */
export class SectionBuilder {
  private readonly sections: DocumentSection[] = [];
  private stack: Array<{ level: number; text: string }> = [];
  private paras: string[] = [];
  private page: number | undefined;
  private chars = 0;
  private truncated = false;

  constructor(
    private readonly maxChars: number,
    private readonly warnings: string[],
  ) {}

  get full(): boolean {
    return this.truncated;
  }

  get totalChars(): number {
    return this.chars;
  }

  get headingPath(): string[] {
    return this.stack.map((h) => h.text);
  }

  /** Start a new section under this heading (level 1 = top). The heading text is its first paragraph. */
  heading(level: number, raw: string): void {
    const text = cleanInline(raw);
    if (!text) return;
    this.flush();
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level >= level) this.stack.pop();
    this.stack.push({ level, text });
    this.add(text);
  }

  /** A new top-level unit (an EPUB chapter): the heading path starts empty again. */
  resetHeadings(): void {
    this.flush();
    this.stack = [];
  }

  /** Pages split sections; the heading path carries over to the next page. */
  setPage(page: number | undefined): void {
    if (page === this.page) return;
    this.flush();
    this.page = page;
  }

  /** One paragraph. Blank lines inside are collapsed so paragraph boundaries stay the builder's. */
  paragraph(raw: string): void {
    const text = cleanText(raw).replace(/\n{2,}/g, '\n');
    if (text) this.add(text);
  }

  /** Several paragraphs separated by blank lines (plain text). */
  paragraphs(raw: string): void {
    for (const p of cleanText(raw).split(/\n{2,}/)) {
      if (this.truncated) return;
      if (p) this.add(p); // already clean
    }
  }

  build(): DocumentSection[] {
    this.flush();
    return this.sections;
  }

  private add(text: string): void {
    if (this.truncated) return;
    const room = this.maxChars - this.chars;
    if (text.length > room) {
      this.truncated = true;
      this.warnings.push(`Text was cut at ${this.maxChars.toLocaleString('en-US')} characters.`);
      // Never cut a surrogate pair in half.
      const cut = room > 0 && isHighSurrogate(text.charCodeAt(room - 1)) ? room - 1 : room;
      if (cut > 0) this.paras.push(text.slice(0, cut));
      this.chars = this.maxChars;
      return;
    }
    this.paras.push(text);
    this.chars += text.length + 2;
  }

  private flush(): void {
    if (this.paras.length === 0) return;
    const section: DocumentSection = { text: this.paras.join('\n\n'), headingPath: this.headingPath };
    if (this.page !== undefined) section.page = this.page;
    this.sections.push(section);
    this.paras = [];
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
