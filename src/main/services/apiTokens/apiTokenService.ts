/**
 * Local API tokens (issue #9): created, named, scoped and revoked by the user.
 *
 * - The VALUE (`nook_<16 hex id>_<43 base64url>`, 32 random bytes after the id) is stored in the OS
 *   keychain only, as `api.token.<id>` (a reserved id no route can read, test, set or delete), and
 *   returned once by `create`. SQLite holds what the user sees: id, name, scopes, dates.
 * - Verifying a presented value: the id is parsed from it (so no scan over every token), the row says
 *   whether it is revoked, and the SHA-256 of the stored value, kept in memory after its first read
 *   from the keychain, is compared in constant time with the SHA-256 of the presented one. Values
 *   themselves are neither cached nor logged (the keychain's redactor also masks them).
 * - A revoked token keeps its row (a request with it gets 403, not 401), its keychain entry goes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../../shared/ipc/result';
import type { ApiScope, ApiTokenInfo } from '../../../shared/types/apiTokens';
import { API_SCOPES } from '../../../shared/types/apiTokens';
import type { Database } from '../storage/database';

/** Keychain ids of token values; reserved in RESERVED_SECRET_PREFIXES. */
export const API_TOKEN_SECRET_PREFIX = 'api.token.';

/** The part of the SecretStore the service needs (the real one, or a map in tests). */
export interface TokenSecrets {
  reveal(id: string): Promise<string | null>;
  set(id: string, value: string): Promise<void>;
  delete(id: string): Promise<void>;
}

export type TokenVerdict =
  | { status: 'ok'; tokenId: string; scopes: readonly ApiScope[] }
  | { status: 'revoked'; tokenId: string }
  | { status: 'unknown' };

const VALUE_PATTERN = /^nook_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** `last_used_at` is written at most this often per token (a busy client would otherwise write on every request). */
const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_TOKENS = 200;

interface Row {
  id: string;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface ApiTokenServiceOptions {
  db: Database;
  secrets: TokenSecrets;
  now?: () => Date;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function toInfo(r: Row): ApiTokenInfo {
  const scopes = (JSON.parse(r.scopes) as unknown[]).filter((s): s is ApiScope =>
    (API_SCOPES as readonly unknown[]).includes(s),
  );
  return {
    id: r.id,
    name: r.name,
    scopes,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export class ApiTokenService {
  private readonly db: Database;
  private readonly secrets: TokenSecrets;
  private readonly now: () => Date;
  /** id -> SHA-256 of its value (never the value). */
  private readonly hashes = new Map<string, Buffer>();
  private readonly lastWritten = new Map<string, number>();

  constructor(options: ApiTokenServiceOptions) {
    this.db = options.db;
    this.secrets = options.secrets;
    this.now = options.now ?? (() => new Date());
  }

  static secretId(tokenId: string): string {
    return `${API_TOKEN_SECRET_PREFIX}${tokenId}`;
  }

  list(): ApiTokenInfo[] {
    const rows = this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at DESC, id').all() as Row[];
    return rows.map(toInfo);
  }

  get(id: string): ApiTokenInfo | null {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    return r ? toInfo(r) : null;
  }

  async create(input: { name: string; scopes: readonly ApiScope[] }): Promise<{
    token: ApiTokenInfo;
    value: string;
  }> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 80)
      throw new AppError('INVALID_INPUT', 'A token needs a name of 1 to 80 characters.');
    const scopes = API_SCOPES.filter((s) => input.scopes.includes(s));
    if (scopes.length === 0) throw new AppError('INVALID_INPUT', 'A token needs at least one scope.');
    const count = (this.db.prepare('SELECT count(*) AS n FROM api_tokens').get() as { n: number }).n;
    if (count >= MAX_TOKENS)
      throw new AppError('CONFLICT', `There are already ${MAX_TOKENS} tokens; delete revoked ones first.`);
    const hex = randomBytes(8).toString('hex');
    const id = `tok_${hex}`;
    const value = `nook_${hex}_${randomBytes(32).toString('base64url')}`;
    // Keychain first: a token whose value could not be stored never appears in the list.
    await this.secrets.set(ApiTokenService.secretId(id), value);
    const created = this.now().toISOString();
    this.db
      .prepare('INSERT INTO api_tokens (id, name, scopes, created_at) VALUES (?, ?, ?, ?)')
      .run(id, name, JSON.stringify(scopes), created);
    this.hashes.set(id, sha256(value));
    return { token: this.get(id)!, value };
  }

  async revoke(id: string): Promise<ApiTokenInfo> {
    const existing = this.get(id);
    if (!existing) throw new AppError('NOT_FOUND', `No API token ${id}.`);
    if (existing.revokedAt === null) {
      this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(this.now().toISOString(), id);
    }
    this.hashes.delete(id);
    // The row already refuses the token; a keychain that fails here leaves only an unusable value.
    await this.secrets.delete(ApiTokenService.secretId(id)).catch(() => undefined);
    return this.get(id)!;
  }

  /** Whether a presented bearer value is a live token, a revoked one, or nothing of ours. */
  async verify(value: string): Promise<TokenVerdict> {
    const m = VALUE_PATTERN.exec(value);
    if (!m) return { status: 'unknown' };
    const id = `tok_${m[1]!}`;
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    if (!row) return { status: 'unknown' };
    if (row.revoked_at !== null) return { status: 'revoked', tokenId: id };
    let expected = this.hashes.get(id);
    if (!expected) {
      const stored = await this.secrets.reveal(ApiTokenService.secretId(id));
      if (!stored) return { status: 'unknown' };
      expected = sha256(stored);
      this.hashes.set(id, expected);
    }
    if (!timingSafeEqual(expected, sha256(value))) return { status: 'unknown' };
    this.touch(id);
    return { status: 'ok', tokenId: id, scopes: toInfo(row).scopes };
  }

  private touch(id: string): void {
    const t = this.now();
    const last = this.lastWritten.get(id) ?? 0;
    if (t.getTime() - last < LAST_USED_RESOLUTION_MS) return;
    this.lastWritten.set(id, t.getTime());
    this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(t.toISOString(), id);
  }
}
