import mammoth from 'mammoth';
import { type ParsedDocument } from '../../../../shared/types/knowledge';
import { ParseError, errorMessage, throwIfAborted } from './errors';
import { htmlContentToSections } from './html';
import { type ParseLimits } from './limits';
import { SectionBuilder } from './sections';
import { coreProperties } from './xml';
import { SafeZip } from './zip';

/**
 * DOCX: the zip is checked against the bomb limits (declared and really inflated bytes) before
 * mammoth (which unzips without limits) sees it; mammoth maps Word heading styles to <h1>..<h6>,
 * and the HTML path turns those into the heading path.
 */
export async function parseDocx(
  buf: Buffer,
  limits: ParseLimits,
  warnings: string[],
  signal?: AbortSignal,
): Promise<Omit<ParsedDocument, 'mime' | 'format'>> {
  const zip = await SafeZip.open(buf, limits, signal);
  let props: { title?: string; author?: string } = {};
  try {
    if (!zip.has('word/document.xml')) {
      throw new ParseError('UNSUPPORTED', 'This Office file is not a Word document (no word/document.xml).');
    }
    await zip.verifyAll();
    if (zip.has('docProps/core.xml')) props = coreProperties(await zip.readText('docProps/core.xml'));
  } finally {
    zip.close();
  }
  throwIfAborted(signal);
  let result;
  try {
    result = await mammoth.convertToHtml(
      { buffer: buf },
      {
        ignoreEmptyParagraphs: true,
        externalFileAccess: false,
        // Images carry no text; without this mammoth inlines each one as a base64 data URI.
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
      },
    );
  } catch (e) {
    throw new ParseError('CORRUPT', `The Word document cannot be read (${errorMessage(e)}).`);
  }
  throwIfAborted(signal);
  const issues = result.messages.filter(
    (m) => m.type === 'error' || !/unrecognised (paragraph|run) style/i.test(m.message),
  );
  if (issues.length > 0) {
    warnings.push(`${issues.length} conversion note(s), first: ${issues[0]!.message}`);
  }
  const builder = new SectionBuilder(limits.maxChars, warnings);
  htmlContentToSections(result.value, builder);
  const sections = builder.build();
  const firstHeading = sections.find((s) => s.headingPath.length > 0)?.headingPath[0] ?? '';
  return {
    title: props.title || firstHeading,
    sections,
    meta: { ...(props.author ? { author: props.author } : {}) },
    warnings,
  };
}
