import chardet from 'chardet';
import iconv from 'iconv-lite';

/**
 * Text decoding: BOM first, then strict UTF-8, then "UTF-8 with a few bad bytes" (replacement
 * characters and a warning), then a legacy encoding detected by chardet (Windows-1252, Shift_JIS, ...).
 */
export interface Decoded {
  text: string;
  encoding: string;
  /** Invalid sequences replaced by U+FFFD. */
  replaced: number;
}

const SAMPLE = 64 * 1024;

export function hasUtf8Bom(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

/** 'utf-16le' / 'utf-16be' from a BOM or, without one, from the zero-byte pattern of mostly-ASCII UTF-16. */
export function detectUtf16(b: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  const n = Math.min(b.length, 4096) & ~1;
  if (n < 8) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenZero++;
    if (b[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.4 && evenZero < pairs * 0.05) return 'utf-16le';
  if (evenZero > pairs * 0.4 && oddZero < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/**
 * True when the bytes look like binary data rather than text in some encoding: NUL bytes (outside
 * UTF-16) or many control characters.
 */
export function looksBinary(b: Uint8Array): boolean {
  if (detectUtf16(b)) return false;
  const n = Math.min(b.length, 8192);
  if (n === 0) return false;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0) return true;
    // Tab, LF, VT, FF, CR and ESC appear in real text files; other C0 controls do not.
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b)
      control++;
  }
  return control / n > 0.02;
}

/** Counts valid multi-byte UTF-8 sequences and invalid bytes in a sample. */
function utf8Stats(b: Uint8Array): { multi: number; invalid: number; high: number } {
  let multi = 0;
  let invalid = 0;
  let high = 0;
  const n = Math.min(b.length, SAMPLE);
  for (let i = 0; i < n;) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    high++;
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0) {
      invalid++;
      i++;
      continue;
    }
    if (i + len > n) break; // cut by the sample edge
    let ok = true;
    for (let k = 1; k < len; k++) if ((b[i + k]! & 0xc0) !== 0x80) ok = false;
    if (ok) {
      multi++;
      i += len;
    } else {
      invalid++;
      i++;
    }
  }
  return { multi, invalid, high };
}

function normalizeName(name: string): string {
  const n = name.toLowerCase();
  // WHATWG maps Latin-1 labels to Windows-1252 (a superset in the printable range).
  if (n === 'iso-8859-1' || n === 'latin1' || n === 'us-ascii' || n === 'ascii') return 'windows-1252';
  return n;
}

/**
 * Decodes `bytes`. `declared` is a charset the container names (HTML meta, XML prolog): a BOM wins
 * over it, and it wins over detection when iconv knows it.
 */
export function decodeText(bytes: Uint8Array, declared?: string): Decoded {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (hasUtf8Bom(buf)) return decodeUtf8(buf.subarray(3));
  const utf16 = detectUtf16(buf);
  if (utf16) {
    const body = buf[0] === 0xff || buf[0] === 0xfe ? buf.subarray(2) : buf;
    return {
      text: iconv.decode(body, utf16 === 'utf-16le' ? 'utf-16le' : 'utf-16be'),
      encoding: utf16,
      replaced: 0,
    };
  }
  if (declared) {
    const d = normalizeName(declared);
    if (d === 'utf-8' || d === 'utf8') return decodeUtf8(buf);
    if (iconv.encodingExists(d)) return { text: iconv.decode(buf, d), encoding: d, replaced: 0 };
  }
  const stats = utf8Stats(buf);
  // ASCII so far, valid UTF-8, or UTF-8 with some bad bytes: decode as UTF-8 with replacement
  // characters. Legacy 8-bit text almost never forms a valid multi-byte UTF-8 sequence by accident,
  // so even a few valid ones mean "damaged UTF-8" rather than "Windows-1252".
  if (stats.high === 0 || stats.invalid === 0 || stats.multi * 4 >= stats.invalid) return decodeUtf8(buf);
  const guess = chardet.detect(buf.subarray(0, SAMPLE));
  const enc = guess ? normalizeName(guess) : 'windows-1252';
  if (enc.startsWith('utf-8') || !iconv.encodingExists(enc)) return decodeUtf8(buf);
  return { text: iconv.decode(buf, enc), encoding: enc, replaced: 0 };
}

function decodeUtf8(buf: Buffer): Decoded {
  try {
    return {
      text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf),
      encoding: 'utf-8',
      replaced: 0,
    };
  } catch {
    // Invalid sequences: decode again, replacing them with U+FFFD, and count the replacements.
    const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(buf);
    let replaced = 0;
    for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) replaced++;
    return { text, encoding: 'utf-8', replaced };
  }
}
