import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { ParseError, errorMessage, throwIfAborted } from './errors';
import { type ParseLimits, formatBytes } from './limits';

type ZipLimits = Pick<ParseLimits, 'maxZipEntries' | 'maxZipEntryBytes' | 'maxZipTotalBytes'>;

/**
 * A zip opened with zip-bomb guards: the entry count and every entry's declared size are checked
 * when it opens, and the bytes really inflated are counted on every read (a header can lie), against
 * a per-entry and a whole-archive cap. yauzl also refuses an entry that inflates past its declared size.
 */
export class SafeZip {
  private inflated = 0;

  private constructor(
    private readonly zip: ZipFile,
    readonly entries: ReadonlyMap<string, Entry>,
    private readonly limits: ZipLimits,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static async open(buf: Buffer, limits: ZipLimits, signal?: AbortSignal): Promise<SafeZip> {
    let zip: ZipFile;
    try {
      zip = await yauzl.fromBufferPromise(buf, {
        lazyEntries: true,
        validateEntrySizes: true,
        strictFileNames: false,
      });
    } catch (e) {
      throw new ParseError('CORRUPT', `The file is not a readable zip archive (${errorMessage(e)}).`);
    }
    if (zip.entryCount > limits.maxZipEntries) {
      zip.close();
      throw new ParseError(
        'ZIP_BOMB',
        `The archive has ${zip.entryCount} entries (limit ${limits.maxZipEntries}).`,
      );
    }
    const entries = new Map<string, Entry>();
    let declared = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        throwIfAborted(signal);
        if (entry.uncompressedSize > limits.maxZipEntryBytes) {
          throw new ParseError(
            'ZIP_BOMB',
            `Archive entry ${entry.fileName} declares ${formatBytes(entry.uncompressedSize)} (limit ${formatBytes(limits.maxZipEntryBytes)}).`,
          );
        }
        declared += entry.uncompressedSize;
        if (declared > limits.maxZipTotalBytes) {
          throw new ParseError(
            'ZIP_BOMB',
            `The archive declares more than ${formatBytes(limits.maxZipTotalBytes)} of content.`,
          );
        }
        entries.set(entry.fileName, entry);
      }
    } catch (e) {
      zip.close();
      if (e instanceof ParseError) throw e;
      throw new ParseError('CORRUPT', `The zip archive is damaged (${errorMessage(e)}).`);
    }
    return new SafeZip(zip, entries, limits, signal);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Inflates one entry into memory, counting real bytes against the caps. */
  async read(name: string): Promise<Buffer> {
    const entry = this.entries.get(name);
    if (!entry) throw new ParseError('CORRUPT', `The archive has no ${name}.`);
    const parts: Buffer[] = [];
    await this.inflate(entry, (b) => parts.push(b));
    return Buffer.concat(parts);
  }

  async readText(name: string): Promise<string> {
    return new TextDecoder('utf-8').decode(await this.read(name));
  }

  /** Inflates every entry, discarding the bytes: proves the archive is within the caps before a
   * library that unzips without limits (mammoth/JSZip) sees it. */
  async verifyAll(): Promise<void> {
    for (const entry of this.entries.values()) {
      if (!entry.fileName.endsWith('/')) await this.inflate(entry, () => undefined);
    }
  }

  close(): void {
    this.zip.close();
  }

  private async inflate(entry: Entry, sink: (b: Buffer) => void): Promise<void> {
    throwIfAborted(this.signal);
    if (entry.isEncrypted())
      throw new ParseError('ENCRYPTED', `Archive entry ${entry.fileName} is encrypted.`);
    let stream;
    try {
      stream = await this.zip.openReadStreamPromise(entry);
    } catch (e) {
      throw new ParseError('CORRUPT', `Cannot read ${entry.fileName} from the archive (${errorMessage(e)}).`);
    }
    let count = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        count += chunk.length;
        this.inflated += chunk.length;
        if (count > this.limits.maxZipEntryBytes) {
          throw new ParseError(
            'ZIP_BOMB',
            `Archive entry ${entry.fileName} inflates past ${formatBytes(this.limits.maxZipEntryBytes)}.`,
          );
        }
        if (this.inflated > this.limits.maxZipTotalBytes) {
          throw new ParseError(
            'ZIP_BOMB',
            `The archive inflates past ${formatBytes(this.limits.maxZipTotalBytes)}.`,
          );
        }
        throwIfAborted(this.signal);
        sink(chunk);
      }
    } catch (e) {
      stream.destroy();
      if (e instanceof ParseError) throw e;
      const msg = errorMessage(e);
      // yauzl's validateEntrySizes: the entry inflates to more than its header declares.
      if (/too many bytes/i.test(msg)) {
        throw new ParseError('ZIP_BOMB', `Archive entry ${entry.fileName} inflates past its declared size.`);
      }
      throw new ParseError('CORRUPT', `Cannot inflate ${entry.fileName} (${msg}).`);
    }
  }
}
