/**
 * The sidecar with the app's real SecretStore (OS keychain through keytar) and the real logger:
 * the generated Qdrant API key lives in the keychain, survives a restart of the app, and never
 * reaches the log file, even when Qdrant itself prints it. Needs a keychain: run through
 * `node scripts/withKeyring.mjs` (npm run test:unit does); otherwise it skips and says why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/main/rpc/eventBus';
import { SecretStore } from '../../../src/main/services/secrets/secretStore';
import { QdrantSidecar } from '../../../src/main/services/vectors/qdrantSidecar';
import { HAS_KEYCHAIN, clearService, keychain, testService } from '../helpers/keychain';
import { readLogs, tempDir, testLogger } from '../helpers/tmp';
import { FAKE_QDRANT } from './helpers';

describe.skipIf(!HAS_KEYCHAIN)('QdrantSidecar with the OS keychain and the app logger', () => {
  let dir: string;
  let service: string;
  beforeEach(() => {
    dir = tempDir('sidecar-keychain');
    service = testService();
  });
  afterEach(async () => {
    await clearService(service);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the generated key in the keychain, reuses it, and keeps it out of the log file', async () => {
    const secrets = new SecretStore(keychain, new EventBus(), { service, defaultTesters: false });
    const log = testLogger(dir, secrets.redactor);
    const make = () =>
      new QdrantSidecar({
        dataDir: path.join(dir, 'data'),
        secrets,
        logger: log,
        env: { PATH: process.env.PATH, QDRANT_BIN: FAKE_QDRANT },
        extraEnv: { FAKE_QDRANT_PRINT_KEY: '1' },
        pollIntervalMs: 20,
      });
    const first = make();
    expect((await first.start()).state).toBe('ready');
    const key = await keychain.getPassword(service, 'qdrant.apiKey');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.endpoint()!.apiKey).toBe(key);
    await first.stop();

    // The next run of the app reads the same key back.
    const second = make();
    expect((await second.start()).state).toBe('ready');
    expect(second.endpoint()!.apiKey).toBe(key);
    await second.stop();
    await log.close();

    const logs = readLogs(dir);
    expect(logs).toContain('qdrant: fakeQdrant: config service.api_key=[REDACTED]');
    expect(logs).not.toContain(key!);
  });
});
