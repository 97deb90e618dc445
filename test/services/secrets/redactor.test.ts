import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../../src/main/services/secrets/redactor';

describe('Redactor', () => {
  const secret = 'sk-proj-Ab+/9"q\\z&x y=1%';

  it('removes the raw value wherever it appears', () => {
    const r = new Redactor();
    r.add(secret);
    expect(r.redact(`key ${secret} and again ${secret}.`)).toBe(`key ${REDACTED} and again ${REDACTED}.`);
  });

  it('removes JSON-escaped forms, once and twice escaped', () => {
    const r = new Redactor();
    r.add(secret);
    const once = JSON.stringify({ key: secret });
    const twice = JSON.stringify({ line: once });
    expect(once).not.toContain(secret); // the escaped form differs from the raw one
    expect(r.redact(once)).toBe(JSON.stringify({ key: REDACTED }));
    expect(r.redact(twice)).not.toContain('Ab+/9');
    expect(r.redact(twice)).toContain(REDACTED);
  });

  it('removes base64 and base64url forms', () => {
    const r = new Redactor();
    const value = 'key???>>>~~~x'; // its base64 has '/' and '+', so base64url differs
    r.add(value);
    const b64 = Buffer.from(value).toString('base64');
    const b64url = Buffer.from(value).toString('base64url');
    expect(b64).not.toBe(b64url);
    expect(r.redact(`Authorization: Basic ${b64}`)).toMatch(/^Authorization: Basic \[REDACTED\]=*$/);
    expect(r.redact(`token=${b64url}`)).toBe(`token=${REDACTED}`);
  });

  it('removes URL-encoded forms (percent, plus-for-space, lowercase hex)', () => {
    const r = new Redactor();
    r.add(secret);
    const enc = encodeURIComponent(secret);
    expect(r.redact(`https://x.test/?key=${enc}&a=1`)).toBe(`https://x.test/?key=${REDACTED}&a=1`);
    expect(r.redact(`key=${enc.replace(/%20/g, '+')}`)).toBe(`key=${REDACTED}`);
    expect(r.redact(`key=${enc.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`)).toBe(`key=${REDACTED}`);
  });

  it('matches only the raw form for values shorter than 4 characters and ignores empty values', () => {
    const r = new Redactor();
    r.add('abc');
    r.add('');
    expect(r.redact('abc YWJj')).toBe(`${REDACTED} YWJj`);
    expect(r.size).toBe(1);
  });

  it('replaces a longer value whole when it contains a shorter one', () => {
    const r = new Redactor();
    r.add('secret-1');
    r.add('secret-1-extended');
    expect(r.redact('x secret-1-extended y secret-1 z')).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  it('treats regex characters literally and counts holders before removing', () => {
    const r = new Redactor();
    r.add('a.b*c(d)');
    expect(r.redact('aXbbbc(d) a.b*c(d)')).toBe(`aXbbbc(d) ${REDACTED}`);
    r.add('a.b*c(d)');
    r.remove('a.b*c(d)');
    expect(r.redact('a.b*c(d)')).toBe(REDACTED); // still held once
    r.remove('a.b*c(d)');
    expect(r.redact('a.b*c(d)')).toBe('a.b*c(d)');
  });

  it('redacts repeatedly with the same result (no regex lastIndex leaks)', () => {
    const r = new Redactor();
    r.add('token-123456');
    for (let i = 0; i < 3; i++) expect(r.redact('token-123456')).toBe(REDACTED);
  });
});
