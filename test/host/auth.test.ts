import { describe, expect, it } from 'vitest';
import {
  bearerToken,
  HOST_TOKEN_SECRET_ID,
  loadOrCreateInstallationToken,
  LoginCodes,
  safeEqual,
  SessionSigner,
} from '../../src/main/host/auth';
import { MemoryKeychain } from '../contract/testBackend';

describe('installation token', () => {
  it('replaces a malformed stored token instead of trusting it', async () => {
    const k = new MemoryKeychain();
    k.values.set(HOST_TOKEN_SECRET_ID, 'short');
    const t = await loadOrCreateInstallationToken(k);
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(k.values.get(HOST_TOKEN_SECRET_ID)).toBe(t);
    expect(await loadOrCreateInstallationToken(k)).toBe(t);
  });

  it('two installations get different tokens', async () => {
    const a = await loadOrCreateInstallationToken(new MemoryKeychain());
    const b = await loadOrCreateInstallationToken(new MemoryKeychain());
    expect(a).not.toBe(b);
  });
});

describe('bearerToken / safeEqual', () => {
  it('parses only well-formed bearer headers', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
  it('compares exactly', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('LoginCodes', () => {
  it('accepts a code once, before it expires', () => {
    let now = 1000;
    const codes = new LoginCodes(60_000, 16, () => now);
    const a = codes.issue();
    const b = codes.issue();
    expect(codes.consume(a)).toBe(true);
    expect(codes.consume(a)).toBe(false);
    now += 60_000;
    expect(codes.consume(b)).toBe(false);
    expect(codes.outstanding).toBe(0);
  });
  it('keeps at most maxOutstanding codes, dropping the oldest', () => {
    const codes = new LoginCodes(60_000, 3);
    const issued = Array.from({ length: 5 }, () => codes.issue());
    expect(codes.outstanding).toBe(3);
    expect(codes.consume(issued[0]!)).toBe(false);
    expect(codes.consume(issued[4]!)).toBe(true);
  });
});

describe('SessionSigner', () => {
  it('verifies its own sessions until they expire', () => {
    let now = 1_700_000_000_000;
    const s = new SessionSigner('t'.repeat(43), 60_000, () => now);
    const v = s.issue();
    expect(s.verify(v)).toBe(true);
    now += 61_000;
    expect(s.verify(v)).toBe(false);
  });
  it('refuses sessions signed with another installation token, or edited', () => {
    const a = new SessionSigner('a'.repeat(43), 60_000);
    const b = new SessionSigner('b'.repeat(43), 60_000);
    const v = a.issue();
    expect(b.verify(v)).toBe(false);
    const [ver, exp, nonce, mac] = v.split('.');
    expect(a.verify([ver, String(Number(exp) + 1000), nonce, mac].join('.'))).toBe(false);
    expect(a.verify(undefined)).toBe(false);
    expect(a.verify('')).toBe(false);
  });
});
