/**
 * Who may use the headless host. Three credentials, each with one job:
 *
 * - The installation token: 32 random bytes (base64url), kept in the OS keychain as `host.token`,
 *   created on first start. Programmatic clients send it as `Authorization: Bearer <token>`.
 *   It never goes into a URL or the browser.
 * - One-time login codes: random, in memory, valid once and for a few minutes. The host prints
 *   `/login?token=<code>`; opening it trades the code for a session cookie, so a code that leaks
 *   later (shell history, screen share, Referer) is worthless.
 * - Session cookies: `v1.<expiry>.<nonce>.<hmac>`, signed with a key derived from the installation
 *   token. Why a signed session and not the token itself in the cookie: cookies are not isolated by
 *   port, so every local server on 127.0.0.1 sees them; a session expires, grants no Bearer access,
 *   and all sessions die at once when the installation token is rotated. Why signed and not a random
 *   id in a server-side table: a restarted host keeps its logged-in browsers.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Keychain id of the installation token. Ids under `host.` are reserved: the renderer cannot touch them. */
export const HOST_TOKEN_SECRET_ID = 'host.token';

/** The part of the keychain the host needs (the core's SecretStore, or a map in tests). */
export interface TokenKeychain {
  get(id: string): Promise<string | null>;
  set(id: string, value: string): Promise<void>;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Reads the installation token, creating and storing one on first use (or when the stored one is malformed). */
export async function loadOrCreateInstallationToken(keychain: TokenKeychain): Promise<string> {
  const existing = await keychain.get(HOST_TOKEN_SECRET_ID);
  if (existing !== null && TOKEN_PATTERN.test(existing)) return existing;
  const token = newToken();
  await keychain.set(HOST_TOKEN_SECRET_ID, token);
  return token;
}

/** Constant-time string comparison that also hides the length (both sides are hashed first). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** Reads `Authorization: Bearer <token>`; null when absent or not a bearer header. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+([^\s]+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

type Clock = () => number;

/** One-time login codes, held in memory only. */
export class LoginCodes {
  private readonly codes = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxOutstanding = 16,
    private readonly now: Clock = Date.now,
  ) {}

  issue(): string {
    this.prune();
    // Bound memory: the oldest outstanding code gives way to the newest.
    while (this.codes.size >= this.maxOutstanding) {
      const oldest = this.codes.keys().next().value;
      if (oldest === undefined) break;
      this.codes.delete(oldest);
    }
    const code = newToken();
    this.codes.set(code, this.now() + this.ttlMs);
    return code;
  }

  /** True exactly once per valid, unexpired code. */
  consume(code: string): boolean {
    this.prune();
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(code)) return false;
    // Map lookup by key is not constant-time, but codes are 256-bit random values that are
    // deleted on first use, so a timing oracle cannot be walked to a match.
    const expires = this.codes.get(code);
    if (expires === undefined) return false;
    this.codes.delete(code);
    return expires > this.now();
  }

  get outstanding(): number {
    this.prune();
    return this.codes.size;
  }

  private prune(): void {
    const t = this.now();
    for (const [code, expires] of this.codes) if (expires <= t) this.codes.delete(code);
  }
}

/** Signs and checks session cookie values with a key derived from the installation token. */
export class SessionSigner {
  private readonly key: Buffer;

  constructor(
    installationToken: string,
    readonly ttlMs: number,
    private readonly now: Clock = Date.now,
  ) {
    // Domain separation: the session key is not the token itself.
    this.key = createHmac('sha256', installationToken).update('nook.host.session.v1').digest();
  }

  issue(): string {
    const expires = Math.floor((this.now() + this.ttlMs) / 1000);
    const nonce = randomBytes(16).toString('base64url');
    const body = `v1.${expires}.${nonce}`;
    return `${body}.${this.mac(body)}`;
  }

  verify(value: string | undefined): boolean {
    if (typeof value !== 'string' || value.length > 256) return false;
    const parts = value.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return false;
    const [, expStr, nonce, mac] = parts as [string, string, string, string];
    if (!/^\d{1,12}$/.test(expStr) || !/^[A-Za-z0-9_-]{22}$/.test(nonce)) return false;
    if (!safeEqual(mac, this.mac(`v1.${expStr}.${nonce}`))) return false;
    return Number(expStr) * 1000 > this.now();
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
