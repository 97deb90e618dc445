import { extname } from 'node:path';
import { type DocumentFormat } from '../../../../shared/types/knowledge';
import { ParseError } from './errors';
import { looksBinary } from './encoding';

const BY_EXTENSION: Record<string, DocumentFormat> = {
  '.txt': 'text',
  '.text': 'text',
  '.log': 'text',
  '.rst': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdown': 'markdown',
  '.mkd': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.epub': 'epub',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.json': 'json',
  '.jsonl': 'json',
  '.ndjson': 'json',
};

/** Signatures of binary formats Nook does not read, to name them in the error. */
const KNOWN_BINARY: Array<[number[], string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x52, 0x49, 0x46, 0x46], 'a RIFF file (WAV/AVI/WebP)'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0x37, 0x7a, 0xbc, 0xaf], 'a 7-Zip archive'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an executable (ELF)'],
  [[0x4d, 0x5a], 'an executable (PE)'],
  [[0x4f, 0x67, 0x67, 0x53], 'an Ogg audio file'],
  [[0x49, 0x44, 0x33], 'an MP3 audio file'],
  [[0x66, 0x4c, 0x61, 0x43], 'a FLAC audio file'],
  [[0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], 'an SQLite database'],
];

const CFB = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function startsWith(b: Uint8Array, sig: number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  return sig.every((v, i) => b[at + i] === v);
}

export interface Sniffed {
  format: DocumentFormat;
  /** Set when the content overrode the extension. */
  note?: string;
}

export function extensionFormat(path: string): DocumentFormat | undefined {
  return BY_EXTENSION[extname(path).toLowerCase()];
}

/**
 * Decides the format from the bytes first and the extension second: strong signatures (%PDF,
 * a zip holding a Word document or an EPUB) win over the name; a file named as text that holds
 * binary data is refused (BINARY); a file named as PDF/DOCX/EPUB that is not one is CORRUPT.
 */
export function sniff(path: string, buf: Buffer): Sniffed {
  const byExt = extensionFormat(path);
  const head = buf.subarray(0, 1024);
  const differs = (f: DocumentFormat): Sniffed =>
    byExt && byExt !== f
      ? { format: f, note: `The file is named as ${byExt} but holds ${f}; read as ${f}.` }
      : { format: f };

  // The PDF header may follow a little junk (readers accept it within the first 1024 bytes); away
  // from offset 0 it only counts for files not named as text (a note may mention "%PDF-").
  const pdfAt = head.indexOf('%PDF-');
  if (pdfAt === 0 || (pdfAt > 0 && (byExt === undefined || byExt === 'pdf'))) return differs('pdf');

  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buf, [0x50, 0x4b, 0x05, 0x06])) {
    if (
      buf.subarray(0, 200).includes('application/epub+zip') ||
      buf.lastIndexOf('META-INF/container.xml') !== -1
    ) {
      return differs('epub');
    }
    if (buf.lastIndexOf('word/document.xml') !== -1) return differs('docx');
    if (buf.lastIndexOf('xl/workbook.xml') !== -1)
      throw new ParseError('UNSUPPORTED', 'Spreadsheets (.xlsx) are not supported yet.');
    if (buf.lastIndexOf('ppt/presentation.xml') !== -1) {
      throw new ParseError('UNSUPPORTED', 'Presentations (.pptx) are not supported yet.');
    }
    if (byExt === 'docx' || byExt === 'epub') {
      throw new ParseError('CORRUPT', `The file is a zip archive but not a valid ${byExt.toUpperCase()}.`);
    }
    throw new ParseError('UNSUPPORTED', 'Zip archives are not supported.');
  }

  if (startsWith(buf, CFB)) {
    // OLE compound file: an encrypted OOXML package (stream "EncryptedPackage") or a legacy .doc/.xls.
    if (buf.includes(Buffer.from('EncryptedPackage', 'utf16le'))) {
      throw new ParseError('ENCRYPTED', 'The Office document is password-protected.');
    }
    throw new ParseError(
      'UNSUPPORTED',
      'Legacy Office files (.doc, .xls, .ppt) are not supported; save as .docx.',
    );
  }

  if (byExt === 'pdf') throw new ParseError('CORRUPT', 'The file is named .pdf but has no PDF header.');
  if (byExt === 'docx' || byExt === 'epub') {
    throw new ParseError('CORRUPT', `The file is named .${byExt} but is not a zip archive.`);
  }

  const known = KNOWN_BINARY.find(([sig]) => startsWith(buf, sig));
  if (known || looksBinary(buf)) {
    const what = known ? known[1] : 'binary data';
    if (byExt) throw new ParseError('BINARY', `The file is named as ${byExt} but contains ${what}.`);
    throw new ParseError('UNSUPPORTED', `Unsupported file type (${what}).`);
  }
  if (byExt) return { format: byExt };
  // Unknown extension with text content: HTML if it says so, else plain text.
  const start = head.toString('latin1').trimStart().slice(0, 64).toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) return { format: 'html' };
  return { format: 'text' };
}
