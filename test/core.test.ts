import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../src/main/core';
import { DatabaseTooNewError, LATEST_SCHEMA_VERSION } from '../src/main/services/storage/database';
import type { EventName } from '../src/shared/ipc/channels';
import type { SecretInfo } from '../src/shared/types/secrets';
import type { Settings } from '../src/shared/types/settings';
import type { SystemStatus } from '../src/shared/types/system';
import { HAS_KEYCHAIN, clearService, testService } from './services/helpers/keychain';
import { readLogs, tempDir } from './services/helpers/tmp';

let dir: string;
let service: string;
let core: Core | undefined;

beforeEach(() => {
  dir = tempDir('core');
  service = testService();
});
afterEach(async () => {
  await core?.dispose();
  core = undefined;
  if (HAS_KEYCHAIN) await clearService(service);
  fs.rmSync(dir, { recursive: true, force: true });
});

const ctx = { transport: 'internal' as const };

describe.skipIf(!HAS_KEYCHAIN)('createCore with the real keychain', () => {
  it('starts in a temp dir, answers routes through the dispatcher and disposes cleanly', async () => {
    core = await createCore({ mode: 'host', dataDir: dir, version: '0.0.1-test', secretStore: { service } });
    const seen: [EventName, unknown][] = [];
    core.events.onAny((e, p) => seen.push([e, p]));

    const status = await core.dispatcher.dispatch('system.status', {}, ctx);
    expect(status.ok).toBe(true);
    const services = (status as { value: SystemStatus }).value.services;
    expect(Object.fromEntries(services.map((s) => [s.id, s.state]))).toEqual({
      database: 'ok',
      vectors: expect.any(String) as string,
      models: expect.any(String) as string,
      sidecar: expect.any(String) as string,
      // No plugin is installed in a fresh data dir.
      plugins: 'off',
      keychain: 'ok', // probed by warmUp at start
      settings: 'ok',
      assistant: expect.any(String) as string,
    });

    const updated = await core.dispatcher.dispatch(
      'settings.update',
      { appearance: { theme: 'dark' }, logging: { level: 'debug' } },
      ctx,
    );
    expect(updated.ok).toBe(true);
    expect((updated as { value: Settings }).value.appearance.theme).toBe('dark');
    expect(seen.find(([e]) => e === 'settings.changed')?.[1]).toMatchObject({
      appearance: { theme: 'dark' },
    });
    expect(core.log.level).toBe('debug'); // the core follows the logging setting
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8'))).toMatchObject({
      appearance: { theme: 'dark' },
    });

    const bad = await core.dispatcher.dispatch('settings.update', { appearance: { theme: 'neon' } }, ctx);
    expect(bad).toMatchObject({ ok: false, code: 'INVALID_INPUT' });

    // A secret set through the route is never returned, and never logged.
    const value = 'sk-core-test-3c1f9a27b8';
    expect(await core.dispatcher.dispatch('secrets.set', { id: 'provider.openai', value }, ctx)).toEqual({
      ok: true,
      value: { present: true },
    });
    const list = await core.dispatcher.dispatch('secrets.list', {}, ctx);
    expect((list as { value: SecretInfo[] }).value.find((s) => s.id === 'provider.openai')?.present).toBe(
      true,
    );
    expect(JSON.stringify(list)).not.toContain(value);
    core.log.error({ body: { key: value } }, `provider call failed with ${value}`);

    const diag = await core.dispatcher.dispatch('system.diagnostics', {}, ctx);
    expect(diag.ok).toBe(true);
    expect((diag as { value: { database: { schemaVersion: number } } }).value.database.schemaVersion).toBe(
      LATEST_SCHEMA_VERSION,
    );
    expect(JSON.stringify(diag)).not.toContain(value);
    expect(JSON.stringify(diag)).toContain('provider call failed with [REDACTED]');

    const db = core.db;
    await core.dispose();
    core = undefined;
    expect(db.open).toBe(false);
    const logs = readLogs(dir);
    expect(logs).toContain('core started');
    expect(logs).toContain('provider call failed with [REDACTED]');
    expect(logs).not.toContain(value);
    for (const f of fs.readdirSync(dir)) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isFile()) expect(fs.readFileSync(p).includes(value), f).toBe(false);
    }
  });
});

describe('createCore', () => {
  it('refuses a database from a newer version, leaves it untouched and cleans up', async () => {
    const file = path.join(dir, 'nook.db');
    const future = new BetterSqlite3(file);
    future.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 10}`);
    future.close();
    const before = fs.readFileSync(file);
    await expect(
      createCore({ mode: 'host', dataDir: dir, version: '0.0.1-test', secretStore: { service } }),
    ).rejects.toBeInstanceOf(DatabaseTooNewError);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(readLogs(dir)).toContain('newer version of Nook');
  });
});
