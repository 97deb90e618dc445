/**
 * Removes every stored secret value from text before it is written anywhere (log files, stdout,
 * diagnostics). Besides the raw value it catches the forms a value takes on its way into a log line:
 * JSON-escaped (once and twice: a message inside a serialized error), base64 / base64url (Basic auth
 * headers, tokens) and URL-encoded (query strings, form bodies).
 */
export const REDACTED = '[REDACTED]';

/** Encoded forms are only matched for values this long: shorter ones would hit innocent text. */
const MIN_ENCODED_LENGTH = 4;

export class Redactor {
  /** value -> how many holders added it (two secret ids may share a value). */
  private readonly values = new Map<string, number>();
  private pattern: RegExp | null = null;
  private dirty = false;

  add(value: string): void {
    if (!value) return;
    this.values.set(value, (this.values.get(value) ?? 0) + 1);
    this.dirty = true;
  }

  remove(value: string): void {
    const n = this.values.get(value);
    if (n === undefined) return;
    if (n <= 1) this.values.delete(value);
    else this.values.set(value, n - 1);
    this.dirty = true;
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    if (this.values.size === 0 || !text) return text;
    const re = this.compile();
    return re ? text.replace(re, REDACTED) : text;
  }

  private compile(): RegExp | null {
    if (this.dirty || !this.pattern) {
      const forms = new Set<string>();
      for (const v of this.values.keys()) for (const f of formsOf(v)) forms.add(f);
      // Longest first, so a value that contains another is replaced whole.
      const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : null;
      this.dirty = false;
    }
    if (this.pattern) this.pattern.lastIndex = 0;
    return this.pattern;
  }
}

export function formsOf(value: string): string[] {
  const forms = [value];
  if (value.length < MIN_ENCODED_LENGTH) return forms;
  const json = JSON.stringify(value).slice(1, -1);
  forms.push(json, JSON.stringify(json).slice(1, -1));
  const b64 = Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, '');
  forms.push(b64, b64.replace(/\+/g, '-').replace(/\//g, '_'));
  const uri = encodeURIComponent(value);
  forms.push(
    uri,
    uri.replace(/%20/g, '+'),
    uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  );
  return [...new Set(forms)].filter((f) => f.length > 0);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
