/**
 * The models.* routes through the real core and dispatcher (settings on disk, event bus, system
 * health), with a test manifest (NOOK_MODEL_MANIFEST) whose model comes from a local HTTP server.
 * The keychain is an in-memory stand-in: these routes never touch secrets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core';
import type { EventName } from '../../../src/shared/ipc/channels';
import type { ModelStatus } from '../../../src/shared/types/models';
import type { SystemStatus } from '../../../src/shared/types/system';
import { entry, FileServer, randomBytes, SILERO, tmpDir } from './helpers';
import { memoryKeychain } from '../helpers/memoryKeychain';

const ctx = { transport: 'internal' as const };
let server: FileServer;
let core: Core | undefined;
const saved = { manifest: process.env.NOOK_MODEL_MANIFEST, dir: process.env.NOOK_MODELS_DIR };

beforeAll(async () => {
  server = await new FileServer().start();
});
afterAll(async () => {
  await server.stop();
  if (saved.manifest === undefined) delete process.env.NOOK_MODEL_MANIFEST;
  else process.env.NOOK_MODEL_MANIFEST = saved.manifest;
  if (saved.dir === undefined) delete process.env.NOOK_MODELS_DIR;
  else process.env.NOOK_MODELS_DIR = saved.dir;
});
afterEach(async () => {
  await core?.dispose();
  core = undefined;
});

describe('models routes through the core', () => {
  it('list, download with progress events and health, setActive persisted, errors as data', async () => {
    const silero = fs.readFileSync(SILERO);
    const body = randomBytes(800 * 1024, 61);
    const dataDir = tmpDir('nook-core-models-');
    const manifest = {
      schemaVersion: 1,
      models: [
        entry(
          'core-vad',
          [{ path: 'silero_vad.onnx', body: silero }],
          [
            {
              kind: 'url',
              files: { 'silero_vad.onnx': server.serve('/core/silero.onnx', { body: silero }) },
            },
          ],
          { sets: ['default'] },
        ),
        entry(
          'core-vad-2',
          [{ path: 'v.bin', body }],
          [
            {
              kind: 'url',
              files: { 'v.bin': server.serve('/core/v.bin', { body, bytesPerSecond: 1024 * 1024 }) },
            },
          ],
        ),
      ],
    };
    const manifestPath = path.join(dataDir, 'manifest.json');
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    process.env.NOOK_MODEL_MANIFEST = manifestPath;
    delete process.env.NOOK_MODELS_DIR;

    core = await createCore({ mode: 'host', dataDir, version: '0.0.1-test', keychain: memoryKeychain() });
    const seen: [EventName, unknown][] = [];
    core.events.onAny((e, p) => seen.push([e, p]));

    const list = await core.dispatcher.dispatch('models.list', {}, ctx);
    expect(list).toMatchObject({ ok: true });
    expect((list as { value: ModelStatus[] }).value.map((m) => [m.id, m.state, m.active])).toEqual([
      ['core-vad', 'missing', true],
      ['core-vad-2', 'missing', false],
    ]);
    const health = async () =>
      (
        (await core!.dispatcher.dispatch('system.status', {}, ctx)) as { value: SystemStatus }
      ).value.services.find((s) => s.id === 'models');
    expect(await health()).toMatchObject({
      state: 'off',
      detail: expect.stringContaining('"core-vad" is missing'),
    });

    const started = await core.dispatcher.dispatch('models.download', { id: 'core-vad' }, ctx);
    expect(started).toMatchObject({ ok: true, value: { state: 'downloading' } });
    await core.models.whenIdle('core-vad');
    expect(fs.existsSync(path.join(dataDir, 'models', 'core-vad', 'silero_vad.onnx'))).toBe(true);
    const progress = seen.filter(([e]) => e === 'models.progress').map(([, p]) => p as { state: string });
    expect(progress[0]).toMatchObject({ id: 'core-vad', state: 'downloading', bytesTotal: silero.length });
    expect(progress.at(-1)).toMatchObject({ id: 'core-vad', state: 'ready', progress: 1 });
    // The health moved with the download, without waiting for a poll.
    const statuses = seen.filter(([e]) => e === 'system.statusChanged').map(([, s]) => s as SystemStatus);
    expect(statuses.some((s) => s.services.some((h) => h.id === 'models' && h.state === 'starting'))).toBe(
      true,
    );
    expect(await health()).toMatchObject({ state: 'ok', detail: 'Ready: core-vad' });

    const chosen = await core.dispatcher.dispatch('models.setActive', { task: 'vad', id: 'core-vad-2' }, ctx);
    expect(chosen).toMatchObject({ ok: true });
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8')).models.active.vad).toBe(
      'core-vad-2',
    );
    await expect(core.models.resolve('vad')).rejects.toThrow(
      'The voice activity detection model "core-vad-2" is not downloaded. Download it in Settings → Models.',
    );

    expect(await core.dispatcher.dispatch('models.download', { id: 'nope' }, ctx)).toEqual({
      ok: false,
      code: 'NOT_FOUND',
      message: 'There is no model "nope".',
    });
    expect(
      await core.dispatcher.dispatch('models.setActive', { task: 'llm', id: 'core-vad' }, ctx),
    ).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
    });

    // Cancel through the route: the partial file stays.
    await core.dispatcher.dispatch('models.download', { id: 'core-vad-2' }, ctx);
    await new Promise((r) => setTimeout(r, 300));
    const cancelled = await core.dispatcher.dispatch('models.cancel', { id: 'core-vad-2' }, ctx);
    expect(cancelled).toMatchObject({ ok: true, value: { state: 'missing', error: null } });
    expect(fs.statSync(path.join(dataDir, 'models', 'core-vad-2', 'v.bin.part')).size).toBeGreaterThan(0);

    expect(await core.dispatcher.dispatch('models.delete', { id: 'core-vad' }, ctx)).toEqual({
      ok: true,
      value: { id: 'core-vad', removed: true },
    });
  }, 30_000);
});
