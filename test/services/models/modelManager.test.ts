import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CUSTOM_MODELS_FILE,
  ModelManager,
  type ActiveModels,
  type ModelSettingsPort,
} from '../../../src/main/services/models/modelManager';
import { fetchModel } from '../../../src/main/services/models/fetcher';
import { AppError } from '../../../src/shared/ipc/result';
import type { ModelEntry, ModelManifest, ModelProgress } from '../../../src/shared/types/models';
import { entry, FileServer, randomBytes, sha256, SILERO, tmpDir } from './helpers';

const silero = fs.readFileSync(SILERO);
const big = randomBytes(1536 * 1024, 31);
const small = randomBytes(64 * 1024, 32);
const tok = Buffer.from('{"model":"tokenizer"}');

let server: FileServer;
let modelsDir: string;
let events: ModelProgress[];
let active: Partial<ActiveModels>;
let manager: ModelManager;

const settings: ModelSettingsPort = {
  getActive: () => active,
  setActive: (a) => {
    active = a;
  },
};

function build(): {
  manifest: ModelManifest;
  vad: ModelEntry;
  slow: ModelEntry;
  emb: ModelEntry;
  broken: ModelEntry;
} {
  const vad = entry(
    'silero-vad',
    [{ path: 'silero_vad.onnx', body: silero }],
    [{ kind: 'url', files: { 'silero_vad.onnx': `${server.base}/m/silero_vad.onnx` } }],
    { sets: ['default', 'test'] },
  );
  const slow = entry(
    'slow-vad',
    [{ path: 'slow.bin', body: big }],
    [{ kind: 'url', files: { 'slow.bin': `${server.base}/m/slow.bin` } }],
  );
  const emb = entry(
    'tiny-embed',
    [
      { path: 'model.onnx', body: small },
      { path: 'tokenizer.json', body: tok },
    ],
    [
      {
        kind: 'url',
        files: { 'model.onnx': `${server.base}/m/model.onnx`, 'tokenizer.json': `${server.base}/m/tok.json` },
      },
    ],
    {
      task: 'embedding',
      displayName: 'all-MiniLM-L6-v2',
      sets: ['default'],
      params: {
        dimension: 384,
        pooling: 'mean',
        normalize: true,
        maxTokens: 256,
        onnx: 'model.onnx',
        tokenizer: 'tokenizer.json',
      },
    },
  );
  const broken = entry(
    'broken',
    [{ path: 'b.bin', body: small }],
    [{ kind: 'url', files: { 'b.bin': `${server.base}/m/missing.bin` } }],
  );
  return { manifest: { schemaVersion: 1, models: [vad, slow, emb, broken] }, vad, slow, emb, broken };
}

function create(manifest: ModelManifest, extra: Partial<ConstructorParameters<typeof ModelManager>[0]> = {}) {
  return new ModelManager({
    manifest,
    modelsDir,
    settings,
    events: { emit: (_e, p) => events.push(p) },
    progressIntervalMs: 200,
    ...extra,
  });
}

beforeAll(async () => {
  server = await new FileServer().start();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  modelsDir = tmpDir();
  events = [];
  active = {};
  server.requests.length = 0;
  server.serve('/m/silero_vad.onnx', { body: silero });
  server.serve('/m/slow.bin', { body: big, bytesPerSecond: 1024 * 1024 });
  server.serve('/m/model.onnx', { body: small });
  server.serve('/m/tok.json', { body: tok });
});
afterEach(async () => {
  await manager?.dispose();
});

describe('ModelManager statuses', () => {
  it('reports missing, ready, corrupt and unverified from what is on disk', async () => {
    const { manifest, vad, emb, broken } = build();
    await fetchModel(vad, { modelsDir });
    // A file copied in by hand (no verification record yet).
    fs.mkdirSync(path.join(modelsDir, 'tiny-embed'));
    fs.writeFileSync(path.join(modelsDir, 'tiny-embed', 'model.onnx'), small);
    fs.writeFileSync(path.join(modelsDir, 'tiny-embed', 'tokenizer.json'), tok);
    // Wrong size.
    fs.mkdirSync(path.join(modelsDir, 'broken'));
    fs.writeFileSync(path.join(modelsDir, 'broken', 'b.bin'), small.subarray(0, 100));

    manager = create(manifest);
    expect(manager.health().state).toBe('starting');
    const list = await manager.list();
    const by = Object.fromEntries(list.map((s) => [s.id, s]));
    expect(by['silero-vad']).toMatchObject({
      state: 'ready',
      active: true,
      task: 'vad',
      sizeBytes: silero.length,
    });
    expect(by['slow-vad']).toMatchObject({ state: 'missing', active: false, bytesDone: null });
    expect(by['tiny-embed']!.state).toBe('unverified');
    expect(by['broken']!.state).toBe('corrupt');
    expect(broken.files[0]!.size).toBe(small.length);

    // The unverified model is hashed in the background and reported by an event.
    await vi_waitFor(() => events.some((e) => e.id === 'tiny-embed' && e.state === 'ready'));
    expect(manager.status('tiny-embed').state).toBe('ready');
    expect(emb.files).toHaveLength(2);
  });

  it('shows the bytes of an interrupted download as progress of a missing model', async () => {
    const { manifest, slow } = build();
    fs.mkdirSync(path.join(modelsDir, 'slow-vad'));
    fs.writeFileSync(path.join(modelsDir, 'slow-vad', 'slow.bin.part'), big.subarray(0, 4096));
    manager = create(manifest);
    const s = (await manager.list()).find((m) => m.id === slow.id)!;
    expect(s).toMatchObject({ state: 'missing', bytesDone: 4096 });
    expect(s.progress).toBeCloseTo(4096 / big.length);
  });
});

describe('ModelManager download / cancel', () => {
  it('downloads in the background with throttled progress events, ETA and a final ready', async () => {
    const { manifest } = build();
    manager = create(manifest);
    await manager.list();
    const started = manager.download('slow-vad');
    expect(started.state).toBe('downloading');
    expect(manager.download('slow-vad').state).toBe('downloading'); // a second call is a no-op
    await manager.whenIdle('slow-vad');
    expect(manager.status('slow-vad')).toMatchObject({ state: 'ready', progress: 1, bytesDone: big.length });
    expect(server.countFor('/m/slow.bin')).toBe(1);

    const mine = events.filter((e) => e.id === 'slow-vad');
    expect(mine[0]).toMatchObject({ state: 'downloading', bytesTotal: big.length });
    expect(mine.at(-1)).toMatchObject({ state: 'ready', progress: 1 });
    const moving = mine.filter((e) => e.state === 'downloading' && (e.bytesDone ?? 0) > 0);
    expect(moving.length).toBeGreaterThanOrEqual(3);
    expect(moving.some((e) => e.etaSeconds !== null && e.etaSeconds >= 0)).toBe(true);
    const progress = moving.map((e) => e.progress!);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // ~1.5 s at 1 MiB/s with events at most every 200 ms: never a flood.
    expect(moving.length).toBeLessThanOrEqual(12);
  });

  it('cancel keeps the partial file; the next download resumes it with Range', async () => {
    const { manifest } = build();
    manager = create(manifest);
    manager.download('slow-vad');
    await vi_waitFor(() => (manager.status('slow-vad').bytesDone ?? 0) > 300 * 1024);
    const cancelled = await manager.cancel('slow-vad');
    expect(cancelled.state).toBe('missing');
    expect(cancelled.error).toBeNull();
    const kept = fs.statSync(path.join(modelsDir, 'slow-vad', 'slow.bin.part')).size;
    expect(cancelled.bytesDone).toBe(kept);
    expect(events.at(-1)).toMatchObject({ id: 'slow-vad', state: 'missing' });

    server.serve('/m/slow.bin', { body: big });
    manager.download('slow-vad');
    await manager.whenIdle('slow-vad');
    expect(manager.status('slow-vad').state).toBe('ready');
    expect(server.requests.at(-1)!.range).toBe(`bytes=${kept}-`);
  });

  it('a failed download reports every source tried', async () => {
    const { manifest } = build();
    manager = create(manifest);
    manager.download('broken');
    await manager.whenIdle('broken');
    const s = manager.status('broken');
    expect(s.state).toBe('missing');
    expect(s.error).toContain('Could not fetch broken/b.bin');
    expect(s.error).toContain('HTTP 404');
    expect(events.at(-1)).toMatchObject({ id: 'broken', state: 'missing', error: s.error });
  });
});

describe('ModelManager import', () => {
  it('places a file whose checksum matches a manifest file as that model', async () => {
    const { manifest } = build();
    manager = create(manifest);
    const r = await manager.importFile({ path: SILERO });
    expect(r).toMatchObject({ id: 'silero-vad', matched: true, status: { state: 'ready' } });
    expect(sha256(fs.readFileSync(path.join(modelsDir, 'silero-vad', 'silero_vad.onnx')))).toBe(
      sha256(silero),
    );
    expect(fs.existsSync(SILERO)).toBe(true); // copied, not moved
  });

  it('imports a folder: the model with most matching files wins', async () => {
    const { manifest } = build();
    const dir = tmpDir('nook-import-');
    fs.mkdirSync(path.join(dir, 'onnx'));
    fs.writeFileSync(path.join(dir, 'onnx', 'weights.onnx'), small);
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), tok);
    fs.writeFileSync(path.join(dir, 'README.md'), 'hello');
    manager = create(manifest);
    const r = await manager.importFile({ path: dir });
    expect(r).toMatchObject({ id: 'tiny-embed', matched: true, status: { state: 'ready' } });
  });

  it('keeps an unknown file as a custom model with the user’s task and parameters', async () => {
    const { manifest } = build();
    const file = path.join(tmpDir('nook-import-'), 'my-vad.onnx');
    fs.writeFileSync(file, randomBytes(5000, 40));
    manager = create(manifest);

    const noTask = await manager.importFile({ path: file }).catch((e: unknown) => e);
    expect(noTask).toBeInstanceOf(AppError);
    expect((noTask as AppError).message).toContain('matches no model Nook knows');

    const r = await manager.importFile({
      path: file,
      task: 'vad',
      displayName: 'My VAD',
      params: { threshold: 0.4 },
    });
    expect(r).toMatchObject({
      id: 'custom-my-vad',
      matched: false,
      status: { state: 'ready', custom: true, task: 'vad' },
    });
    const stored = JSON.parse(fs.readFileSync(path.join(modelsDir, CUSTOM_MODELS_FILE), 'utf8'));
    expect(stored.models[0]).toMatchObject({
      id: 'custom-my-vad',
      params: { threshold: 0.4 },
      files: [{ path: 'my-vad.onnx' }],
    });

    // A new manager (next app start) knows it, and it can be chosen for its task only.
    await manager.dispose();
    manager = create(manifest);
    expect((await manager.list()).find((m) => m.id === 'custom-my-vad')).toMatchObject({
      state: 'ready',
      custom: true,
    });
    expect(() => manager.setActive('embedding', 'custom-my-vad')).toThrow(
      /is a voice activity detection model/,
    );
    manager.setActive('vad', 'custom-my-vad');
    expect((await manager.resolve('vad')).files['my-vad.onnx']).toBe(
      path.join(modelsDir, 'custom-my-vad', 'my-vad.onnx'),
    );

    // Deleting it removes files, entry and the choice.
    expect(await manager.delete('custom-my-vad')).toEqual({ id: 'custom-my-vad', removed: true });
    expect(fs.existsSync(path.join(modelsDir, 'custom-my-vad'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(modelsDir, CUSTOM_MODELS_FILE), 'utf8')).models).toEqual([]);
    expect(active.vad).toBeNull();
    expect(manager.activeId('vad')).toBe('silero-vad');
  });

  it('checks a custom embedding model’s parameters against its files', async () => {
    const { manifest } = build();
    const dir = tmpDir('nook-import-');
    fs.writeFileSync(path.join(dir, 'm.onnx'), randomBytes(3000, 41));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), Buffer.from('{"other":1}'));
    manager = create(manifest);
    const bad = await manager
      .importFile({ path: dir, task: 'embedding', params: { dimension: 384 } })
      .catch((e: unknown) => e as AppError);
    expect(bad).toMatchObject({ code: 'INVALID_INPUT' });
    expect((bad as AppError).message).toContain('A custom embedding model needs its parameters');
    const wrongFile = await manager
      .importFile({
        path: dir,
        task: 'embedding',
        params: {
          dimension: 384,
          pooling: 'mean',
          normalize: true,
          maxTokens: 128,
          onnx: 'model.onnx',
          tokenizer: 'tokenizer.json',
        },
      })
      .catch((e: unknown) => e as AppError);
    expect((wrongFile as AppError).message).toContain('"model.onnx", which is not among the imported files');
    const ok = await manager.importFile({
      path: dir,
      task: 'embedding',
      displayName: 'My embedder',
      params: {
        dimension: 384,
        pooling: 'mean',
        normalize: true,
        maxTokens: 128,
        onnx: 'm.onnx',
        tokenizer: 'tokenizer.json',
      },
    });
    expect(ok.status).toMatchObject({ state: 'ready', custom: true, task: 'embedding' });
  });

  it('refuses a missing path clearly', async () => {
    manager = create(build().manifest);
    await expect(manager.importFile({ path: '/nonexistent/model.onnx' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'There is no file or folder at /nonexistent/model.onnx.',
    });
  });
});

describe('ModelManager delete / active / resolve', () => {
  it('deletes a manifest model’s files; it becomes missing', async () => {
    const { manifest, vad } = build();
    await fetchModel(vad, { modelsDir });
    manager = create(manifest);
    await manager.list();
    expect(await manager.delete('silero-vad')).toEqual({ id: 'silero-vad', removed: true });
    expect(fs.existsSync(path.join(modelsDir, 'silero-vad'))).toBe(false);
    expect(manager.status('silero-vad').state).toBe('missing');
    expect((await manager.list()).find((m) => m.id === 'silero-vad')!.state).toBe('missing');
  });

  it('defaults each task to its first default-set model and stores a choice', async () => {
    const { manifest } = build();
    manager = create(manifest);
    expect(manager.activeId('vad')).toBe('silero-vad');
    expect(manager.activeId('embedding')).toBe('tiny-embed');
    expect(manager.activeId('llm')).toBeNull();
    const list = manager.setActive('vad', 'slow-vad');
    expect(list.find((m) => m.id === 'slow-vad')!.active).toBe(true);
    expect(list.find((m) => m.id === 'silero-vad')!.active).toBe(false);
    expect(active).toEqual({ embedding: null, stt: null, vad: 'slow-vad', llm: null, tts: null });
    expect(() => manager.setActive('vad', 'nope')).toThrow('There is no model "nope".');
  });

  it('without a choice, a model that is on disk is used before a default one that is not', async () => {
    const { manifest, slow } = build();
    await fetchModel(slow, { modelsDir });
    manager = create(manifest);
    expect(manager.activeId('vad')).toBe('silero-vad'); // nothing checked yet: the default
    await manager.list();
    expect(manager.activeId('vad')).toBe('slow-vad'); // the default is missing, slow-vad is ready
    expect((await manager.resolve('vad')).id).toBe('slow-vad');
    // Once the default-set model is there too, it is preferred again; an explicit choice beats both.
    await manager.importFile({ path: SILERO });
    expect(manager.activeId('vad')).toBe('silero-vad');
    manager.setActive('vad', 'slow-vad');
    expect(manager.activeId('vad')).toBe('slow-vad');
  });

  it('resolve: actionable errors for missing, corrupt and absent models; verified once per process', async () => {
    const { manifest, emb } = build();
    manager = create(manifest);
    await expect(manager.resolve('embedding')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'The embedding model "all-MiniLM-L6-v2" is not downloaded. Download it in Settings → Models.',
    });
    await expect(manager.resolve('llm')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'No language model is available. Import one in Settings → Models.',
    });

    await fetchModel(emb, { modelsDir });
    // Same size and mtime, different bytes: the sidecar would not notice, the first load does.
    const onnx = path.join(modelsDir, 'tiny-embed', 'model.onnx');
    const st = fs.statSync(onnx);
    const damaged = Buffer.from(small);
    damaged[10] = damaged[10]! ^ 1;
    fs.writeFileSync(onnx, damaged);
    fs.utimesSync(onnx, st.atime, st.mtime);
    await expect(manager.resolve('embedding')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message:
        'The embedding model "all-MiniLM-L6-v2" is damaged (model.onnx does not match its checksum). Delete it and download it again in Settings → Models.',
    });
    expect(manager.status('tiny-embed').state).toBe('corrupt');

    fs.writeFileSync(onnx, small);
    const r = await manager.resolve('embedding');
    expect(r).toMatchObject({ id: 'tiny-embed', dir: path.join(modelsDir, 'tiny-embed'), custom: false });
    expect(r.files).toEqual({
      'model.onnx': onnx,
      'tokenizer.json': path.join(modelsDir, 'tiny-embed', 'tokenizer.json'),
    });
    expect(r.params).toMatchObject({ dimension: 384 });
    expect(manager.status('tiny-embed').state).toBe('ready');

    // Verified once: a later change in this process is not re-hashed on every load.
    fs.writeFileSync(onnx, damaged);
    await expect(manager.resolve('embedding')).resolves.toMatchObject({ id: 'tiny-embed' });
  });

  it('resolve refuses a model that is still downloading', async () => {
    const { manifest } = build();
    active = { vad: 'slow-vad' };
    manager = create(manifest);
    manager.download('slow-vad');
    await expect(manager.resolve('vad')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(
        /^The voice activity detection model "slow-vad" is still downloading \(\d+%\)\./,
      ),
    });
    await manager.cancel('slow-vad');
  });

  it('reports its health for system.status', async () => {
    const { manifest, vad } = build();
    manager = create(manifest);
    await manager.list();
    expect(manager.health()).toEqual({ state: 'off', detail: expect.stringContaining('is missing') });
    await fetchModel(vad, { modelsDir });
    await manager.list();
    expect(manager.health()).toMatchObject({ state: 'degraded' });
    expect(manager.health().detail).toContain('embedding: "all-MiniLM-L6-v2" is missing');
    manager.download('slow-vad');
    expect(manager.health()).toMatchObject({
      state: 'starting',
      detail: expect.stringContaining('Downloading slow-vad'),
    });
    await manager.cancel('slow-vad');
  });
});

async function vi_waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
