import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/main/rpc/eventBus';
import type { Logger } from '../../../src/main/services/logging/logger';
import { SecretStore, type KeychainBackend } from '../../../src/main/services/secrets/secretStore';
import { ConfSettingsBackend } from '../../../src/main/services/settings/confBackend';
import { SettingsService } from '../../../src/main/services/settings/settingsService';
import {
  LATEST_SCHEMA_VERSION,
  openDatabase,
  type Database,
} from '../../../src/main/services/storage/database';
import { SystemService } from '../../../src/main/services/system/systemService';
import { DiagnosticsSchema, SystemStatusSchema, type SystemStatus } from '../../../src/shared/types/system';
import { HAS_KEYCHAIN, clearService, keychain, testService } from '../helpers/keychain';
import { tempDir, testLogger } from '../helpers/tmp';

/** A keychain whose session bus is gone: what keytar reports without a Secret Service. */
const unreachable: KeychainBackend = {
  getPassword: () => Promise.reject(new Error('Could not connect: No such file or directory')),
  setPassword: () => Promise.reject(new Error('Could not connect: No such file or directory')),
  deletePassword: () => Promise.reject(new Error('Could not connect: No such file or directory')),
  findCredentials: () => Promise.reject(new Error('Could not connect: No such file or directory')),
};

let dir: string;
let log: Logger;
let db: Database;
let events: EventBus;
let statuses: SystemStatus[];
let service: string;
let secrets: SecretStore;
const toDispose: { dispose(): void }[] = [];

beforeEach(() => {
  dir = tempDir('system');
  db = openDatabase(path.join(dir, 'nook.db'));
  events = new EventBus();
  statuses = [];
  events.on('system.statusChanged', (s) => statuses.push(s));
  service = testService();
  // Wired as in core.ts: the logger redacts with the secret store's redactor.
  secrets = new SecretStore(keychain, events, { service });
  log = testLogger(dir, secrets.redactor);
});
afterEach(async () => {
  for (const d of toDispose.splice(0)) d.dispose();
  if (db.open) db.close();
  await log.close();
  if (HAS_KEYCHAIN) await clearService(service);
  fs.rmSync(dir, { recursive: true, force: true });
});

function make(keychainBackend?: KeychainBackend, version = '1.2.3') {
  const settings = new SettingsService(new ConfSettingsBackend(dir), events, log);
  if (keychainBackend) secrets = new SecretStore(keychainBackend, events, { service });
  const system = new SystemService({
    mode: 'host',
    version,
    dataDir: dir,
    versions: { extra: '9' },
    db,
    settings,
    secrets,
    log,
    events,
  });
  toDispose.push(system, settings);
  return { settings, secrets, system };
}

const byId = (s: SystemStatus, id: string) => s.services.find((x) => x.id === id)!;

describe('SystemService', () => {
  it('reports every service truthfully from the real database and settings', () => {
    const { system } = make();
    const status = system.status();
    expect(SystemStatusSchema.parse(status)).toEqual(status);
    expect(status.version).toBe('1.2.3');
    expect(status.mode).toBe('host');
    expect(status.services.map((s) => s.id)).toEqual([
      'database',
      'vectors',
      'models',
      'sidecar',
      'keychain',
      'settings',
      'assistant',
      'plugins',
    ]);
    expect(byId(status, 'database').state).toBe('ok');
    expect(byId(status, 'database').detail).toMatch(
      new RegExp(`^SQLite 3\\.\\d+\\.\\d+, WAL journal, schema version ${LATEST_SCHEMA_VERSION}$`),
    );
    expect(byId(status, 'vectors')).toMatchObject({ state: 'off', detail: 'No vector index yet' });
    expect(byId(status, 'models').state).toBe('off');
    expect(byId(status, 'sidecar').state).toBe('off');
    expect(byId(status, 'keychain').state).toBe('starting'); // not probed yet
    expect(byId(status, 'settings')).toMatchObject({
      state: 'ok',
      detail: `Saved in ${path.join(dir, 'settings.json')}`,
    });
  });

  it.skipIf(!HAS_KEYCHAIN)(
    'shows the keychain as ok after a probe of the real keychain, emitting once',
    async () => {
      const { system, secrets } = make();
      await secrets.probe();
      expect(byId(system.status(), 'keychain').state).toBe('ok');
      expect(statuses).toHaveLength(1);
      expect(byId(statuses[0]!, 'keychain').state).toBe('ok');
      await secrets.has('provider.openai'); // same state: no new event
      expect(statuses).toHaveLength(1);
    },
  );

  it('shows the keychain as down with the reason when it cannot be reached', async () => {
    const { system, secrets } = make(unreachable);
    await expect(secrets.set('provider.openai', 'sk-x-value')).rejects.toMatchObject({
      code: 'KEYCHAIN_UNAVAILABLE',
    });
    const k = byId(system.status(), 'keychain');
    expect(k.state).toBe('down');
    expect(k.detail).toContain('Could not connect');
    expect(statuses.map((s) => byId(s, 'keychain').state)).toEqual(['down']);
  });

  it('reports degraded settings after a corrupt file was recovered', () => {
    fs.writeFileSync(path.join(dir, 'settings.json'), '{ not json');
    const { system } = make();
    const s = byId(system.status(), 'settings');
    expect(s.state).toBe('degraded');
    expect(s.detail).toMatch(/unreadable.*settings\.corrupt-/);
    expect(system.diagnostics().settingsWarnings).toEqual([s.detail]);
  });

  it('lets a later service register its health, and restores "off" when it goes away', () => {
    const { system } = make();
    const reg = system.registerHealth('vectors', () => ({
      state: 'ok',
      detail: '1,234 vectors in 2 collections',
    }));
    expect(byId(system.status(), 'vectors')).toEqual({
      id: 'vectors',
      label: 'Vector index',
      state: 'ok',
      detail: '1,234 vectors in 2 collections',
    });
    expect(statuses).toHaveLength(1);
    const failing = system.registerHealth('models', () => {
      throw new Error('model file missing');
    });
    expect(byId(system.status(), 'models')).toMatchObject({
      state: 'down',
      detail: 'Health check failed: model file missing',
    });
    void failing.dispose();
    void reg.dispose();
    expect(byId(system.status(), 'vectors')).toMatchObject({ state: 'off', detail: 'No vector index yet' });
    expect(statuses.map((st) => [byId(st, 'vectors').state, byId(st, 'models').state])).toEqual([
      ['ok', 'off'],
      ['ok', 'down'],
      ['ok', 'off'],
      ['off', 'off'],
    ]);
  });

  it('notices a failure nobody reported on its next poll', async () => {
    const settings = new SettingsService(new ConfSettingsBackend(dir), events, log);
    const system = new SystemService({
      mode: 'host',
      version: '1',
      dataDir: dir,
      versions: {},
      db,
      settings,
      secrets,
      log,
      events,
      pollMs: 20,
    });
    toDispose.push(system, settings);
    db.close();
    await new Promise((r) => setTimeout(r, 80));
    expect(statuses.map((s) => byId(s, 'database').state)).toEqual(['down']);
  });

  it('reports a closed database as down', () => {
    const { system } = make();
    db.close();
    expect(byId(system.status(), 'database')).toMatchObject({
      state: 'down',
      detail: 'The database is closed',
    });
  });

  it('gives diagnostics that match the contract, with errors kept across a restart and redacted', () => {
    const first = make();
    first.secrets.redactor.add('sk-diag-secret-123');
    log.error({ err: new Error('upstream refused sk-diag-secret-123') }, 'chat failed');
    log.warn('disk almost full');
    first.system.dispose();

    // A "restart": a new service over the same database sees the earlier problems.
    const second = make(undefined, '1.3.0');
    const d = second.system.diagnostics();
    expect(DiagnosticsSchema.parse(d)).toEqual(d);
    expect(d.recentErrors.map((e) => e.message)).toEqual([
      'chat failed: upstream refused [REDACTED]',
      'disk almost full',
    ]);
    expect(JSON.stringify(d)).not.toContain('sk-diag-secret-123');
    expect(d.database).toEqual({
      path: path.join(dir, 'nook.db'),
      schemaVersion: LATEST_SCHEMA_VERSION,
      sizeBytes: expect.any(Number) as number,
    });
    expect(d.database.sizeBytes).toBeGreaterThan(0);
    expect(d.logFile).toBe(path.join(dir, 'logs', 'nook.log'));
    expect(d.versions).toMatchObject({
      nook: '1.3.0',
      nookPrevious: '1.2.3',
      node: process.versions.node,
      extra: '9',
    });
    expect(d.memory.rssBytes).toBeGreaterThan(0);
    expect(d.platform).toBe(process.platform);
    expect(db.prepare("SELECT value FROM kv WHERE key = 'app.lastVersion'").pluck().get()).toBe('1.3.0');
  });
});
