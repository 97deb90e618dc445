import { posix } from 'node:path';
import { type ParsedDocument } from '../../../../shared/types/knowledge';
import { ParseError, errorMessage, throwIfAborted } from './errors';
import { decodeText } from './encoding';
import { declaredCharset, htmlContentToSections } from './html';
import { type ParseLimits } from './limits';
import { SectionBuilder, cleanInline } from './sections';
import { type XmlNode, asArray, textOf, xml } from './xml';
import { SafeZip } from './zip';

function parseXml(src: string, what: string): XmlNode {
  try {
    return xml.parse(src) as XmlNode;
  } catch (e) {
    throw new ParseError('CORRUPT', `The EPUB's ${what} is not valid XML (${errorMessage(e)}).`);
  }
}

function resolveHref(base: string, href: string): string {
  const clean = href.split('#')[0]!;
  let decoded = clean;
  try {
    decoded = decodeURIComponent(clean);
  } catch {
    // keep the raw href
  }
  return posix.normalize(posix.join(posix.dirname(base), decoded)).replace(/^\/+/, '');
}

/**
 * EPUB 2/3: META-INF/container.xml names the package (OPF); its spine gives the reading order;
 * each XHTML chapter goes through the HTML path with the heading path restarting per chapter.
 */
export async function parseEpub(
  buf: Buffer,
  limits: ParseLimits,
  warnings: string[],
  signal?: AbortSignal,
): Promise<Omit<ParsedDocument, 'mime' | 'format'>> {
  const zip = await SafeZip.open(buf, limits, signal);
  try {
    if (!zip.has('META-INF/container.xml'))
      throw new ParseError('CORRUPT', 'The EPUB has no META-INF/container.xml.');
    const container = parseXml(await zip.readText('META-INF/container.xml'), 'container.xml');
    const rootfiles = asArray(
      ((container.container as XmlNode)?.rootfiles as XmlNode)?.rootfile,
    ) as XmlNode[];
    const opfPath = rootfiles.map((r) => String(r['full-path'] ?? '')).find((p) => p && zip.has(p));
    if (!opfPath) throw new ParseError('CORRUPT', 'The EPUB names no package document that exists.');
    const opf = (parseXml(await zip.readText(opfPath), 'package document').package ?? {}) as XmlNode;
    const metadata = (opf.metadata ?? {}) as XmlNode;
    const title = textOf(metadata.title);
    const author = textOf(metadata.creator);
    const language = textOf(metadata.language);

    const manifest = new Map<string, { href: string; type: string; props: string }>();
    for (const item of asArray((opf.manifest as XmlNode)?.item) as XmlNode[]) {
      manifest.set(String(item.id), {
        href: resolveHref(opfPath, String(item.href ?? '')),
        type: String(item['media-type'] ?? ''),
        props: String(item.properties ?? ''),
      });
    }
    const spine = asArray((opf.spine as XmlNode)?.itemref) as XmlNode[];
    if (spine.length === 0) throw new ParseError('CORRUPT', 'The EPUB spine lists no chapters.');

    // DRM: META-INF/encryption.xml lists encrypted resources. Obfuscated fonts are normal; an
    // encrypted chapter means the text cannot be read.
    if (zip.has('META-INF/encryption.xml')) {
      const enc = await zip.readText('META-INF/encryption.xml');
      const encrypted = new Set(
        [...enc.matchAll(/CipherReference[^>]*URI\s*=\s*["']([^"']+)["']/g)].map((m) =>
          resolveHref('', m[1]!),
        ),
      );
      const chapterLocked = spine.some((ref) => {
        const item = manifest.get(String(ref.idref));
        return item !== undefined && encrypted.has(item.href);
      });
      if (chapterLocked)
        throw new ParseError('ENCRYPTED', 'The EPUB is DRM-protected; its chapters are encrypted.');
    }

    const builder = new SectionBuilder(limits.maxChars, warnings);
    let chapters = 0;
    let missing = 0;
    for (const ref of spine) {
      throwIfAborted(signal);
      if (builder.full) break;
      const item = manifest.get(String(ref.idref));
      if (!item || !/html|xml/.test(item.type) || /\bnav\b/.test(item.props)) continue;
      if (!zip.has(item.href)) {
        missing++;
        continue;
      }
      const bytes = await zip.read(item.href);
      const html = decodeText(bytes, declaredCharset(bytes)).text;
      builder.resetHeadings();
      // A chapter without headings is still a unit: its <title> (or its number) heads it.
      if (!/<h[1-6][\s>]/i.test(html)) {
        const t = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
        builder.heading(1, cleanInline(t ?? '') || `Chapter ${chapters + 1}`);
      }
      htmlContentToSections(html, builder);
      chapters++;
    }
    if (missing > 0) warnings.push(`${missing} chapter file(s) named in the spine are missing.`);
    return {
      title,
      sections: builder.build(),
      meta: { chapters, ...(author ? { author } : {}), ...(language ? { language } : {}) },
      warnings,
    };
  } finally {
    zip.close();
  }
}
