import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import { ApiTokenService, type TokenSecrets } from '../../../src/main/services/apiTokens/apiTokenService';
import { AppError } from '../../../src/shared/ipc/result';

let db: Database;
let values: Map<string, string>;
let reads: number;
let secrets: TokenSecrets;
let clock: number;
let service: ApiTokenService;

beforeEach(() => {
  db = openDatabase(':memory:');
  values = new Map();
  reads = 0;
  secrets = {
    reveal: async (id) => {
      reads++;
      return values.get(id) ?? null;
    },
    set: async (id, v) => void values.set(id, v),
    delete: async (id) => void values.delete(id),
  };
  clock = Date.parse('2026-05-01T10:00:00Z');
  service = new ApiTokenService({ db, secrets, now: () => new Date(clock) });
});
afterEach(() => db.close());

describe('ApiTokenService', () => {
  it('creates a token whose value is only in the keychain and returned once', async () => {
    const { token, value } = await service.create({
      name: '  Editor plugin ',
      scopes: ['write', 'read', 'read'],
    });
    expect(token).toEqual({
      id: expect.stringMatching(/^tok_[0-9a-f]{16}$/),
      name: 'Editor plugin',
      scopes: ['read', 'write'],
      createdAt: '2026-05-01T10:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(value).toMatch(new RegExp(`^nook_${token.id.slice(4)}_[A-Za-z0-9_-]{43}$`));
    expect(values.get(`api.token.${token.id}`)).toBe(value);
    // Nothing of the value in the database, not even a hash.
    const dump = JSON.stringify(db.prepare('SELECT * FROM api_tokens').all());
    expect(dump).not.toContain(value.slice(-43));
    expect(service.list()).toEqual([token]);
  });

  it('verifies the exact value, with its scopes; anything else is unknown', async () => {
    const { token, value } = await service.create({ name: 'a', scopes: ['read', 'models'] });
    expect(await service.verify(value)).toEqual({
      status: 'ok',
      tokenId: token.id,
      scopes: ['read', 'models'],
    });
    const flipped = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    expect(await service.verify(flipped)).toEqual({ status: 'unknown' });
    expect(await service.verify(`nook_${'f'.repeat(16)}_${value.slice(-43)}`)).toEqual({ status: 'unknown' });
    expect(await service.verify('')).toEqual({ status: 'unknown' });
    expect(await service.verify(value + 'x')).toEqual({ status: 'unknown' });
  });

  it('keeps the hash, not the keychain round trip, after the first check (a new service reads the keychain once)', async () => {
    const { value } = await service.create({ name: 'a', scopes: ['read'] });
    await service.verify(value);
    expect(reads).toBe(0);
    const restarted = new ApiTokenService({ db, secrets, now: () => new Date(clock) });
    await restarted.verify(value);
    await restarted.verify(value);
    expect(reads).toBe(1);
  });

  it('records when a token was last used, at most once a minute', async () => {
    const { token, value } = await service.create({ name: 'a', scopes: ['read'] });
    await service.verify(value);
    expect(service.get(token.id)!.lastUsedAt).toBe('2026-05-01T10:00:00.000Z');
    clock += 30_000;
    await service.verify(value);
    expect(service.get(token.id)!.lastUsedAt).toBe('2026-05-01T10:00:00.000Z');
    clock += 31_000;
    await service.verify(value);
    expect(service.get(token.id)!.lastUsedAt).toBe('2026-05-01T10:01:01.000Z');
  });

  it('revokes: the row stays (so the token gets 403), the value leaves the keychain, revoking twice is fine', async () => {
    const { token, value } = await service.create({ name: 'a', scopes: ['read'] });
    await service.verify(value);
    clock += 5000;
    const revoked = await service.revoke(token.id);
    expect(revoked.revokedAt).toBe('2026-05-01T10:00:05.000Z');
    expect(values.size).toBe(0);
    expect(await service.verify(value)).toEqual({ status: 'revoked', tokenId: token.id });
    expect((await service.revoke(token.id)).revokedAt).toBe('2026-05-01T10:00:05.000Z');
    await expect(service.revoke('tok_0000000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a token without a name or scopes, and a value the keychain could not store', async () => {
    await expect(service.create({ name: ' ', scopes: ['read'] })).rejects.toBeInstanceOf(AppError);
    await expect(service.create({ name: 'a', scopes: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    secrets.set = async () => {
      throw new AppError('KEYCHAIN_UNAVAILABLE', 'locked');
    };
    await expect(service.create({ name: 'a', scopes: ['read'] })).rejects.toMatchObject({
      code: 'KEYCHAIN_UNAVAILABLE',
    });
    expect(service.list()).toEqual([]);
  });
});
