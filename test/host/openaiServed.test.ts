/**
 * The official `openai` npm client against a served host: `nook serve` as a real process (from
 * source), real keychain (run through `node scripts/withKeyring.mjs`), the real local models from
 * `$NOOK_MODELS_DIR` (default `models/`), and a user API token with the `models` scope created
 * through the contract, the way a user creates one in Settings. The client lists the models, gets
 * embeddings that match the app's own (the cosine the app's search reports for a chunk equals the
 * cosine of the API's vectors for the same texts), streams a chat completion from the real local
 * GGUF model, and transcribes jfk.wav with the real whisper model. A read-only token gets 403, no
 * token 401, a revoked token 403, all as OpenAI's error shape (the client's own error classes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTranscript } from '../../src/main/host/openai';
import { cosine } from '../../src/main/services/inference/embedder';
import { connectWs, type WsTestClient } from '../contract/wsClient';
import { postDeclaredLength } from './declaredBody';
import { fixturesDir, manifest, modelsDir } from '../models/modelFiles';
import { clearService, HAS_KEYCHAIN, testService } from '../services/helpers/keychain';

const root = path.resolve(__dirname, '../..');
const present = (id: string) => {
  const e = manifest.models.find((m) => m.id === id);
  return !!e && e.files.every((f) => fs.existsSync(path.join(modelsDir, id, f.path)));
};
const HAS_EMBEDDER = manifest.models.some((m) => m.task === 'embedding' && present(m.id));
const HAS_GGUF = manifest.models.some((m) => m.task === 'llm' && present(m.id));
/** The smaller English model keeps the test short; any installed whisper model would do. */
const STT = ['whisper-tiny-en-converted', 'whisper-base-converted'].find(present);
const JFK = path.join(fixturesDir, 'audio/jfk.wav');
const HAS_STT = !!STT && present('silero-vad') && fs.existsSync(JFK);

const DOC = `# Kerrera harbour handbook

The Hutcheson lighthouse on Kerrera is painted bright red so that fishermen can see it in fog.
`;

describe.skipIf(!HAS_KEYCHAIN || !HAS_EMBEDDER)('the openai client against `nook serve`', () => {
  const service = testService();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-openai-'));
  let child: ChildProcess;
  let out = '';
  let url: string;
  let installation: string;
  let ws: WsTestClient;
  let models: OpenAI;
  let modelsTokenId: string;

  const invoke = async <T>(route: string, input: unknown): Promise<T> => {
    const r = await ws.invoke(route, input);
    if (!r.ok) throw new Error(`${route}: ${r.code} ${r.message}`);
    return r.value as T;
  };
  const clientWith = (apiKey: string) =>
    new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 600_000 });

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'src/main/host/serve.ts'),
        'serve',
        '--data-dir',
        dataDir,
        '--port',
        '0',
        '--no-open',
        '--print-token',
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          NOOK_KEYCHAIN_SERVICE: service,
          NOOK_MODELS_DIR: modelsDir,
          NOOK_MODEL_CACHE: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 120_000;
    let ready: { url: string; token: string } | null = null;
    while (!ready) {
      const m = /^NOOK_READY (.+)$/m.exec(out);
      if (m) ready = JSON.parse(m[1]!) as { url: string; token: string };
      else if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`serve did not start:\n${out}`);
      else await new Promise((r) => setTimeout(r, 100));
    }
    url = ready.url;
    installation = ready.token;
    ws = await connectWs(url, { authorization: `Bearer ${installation}` });
    if (STT) await invoke('models.setActive', { task: 'stt', id: STT });
    const created = await invoke<{ token: { id: string }; value: string }>('apiTokens.create', {
      name: 'openai client test',
      scopes: ['models'],
    });
    modelsTokenId = created.token.id;
    models = clientWith(created.value);
  }, 180_000);

  afterAll(async () => {
    await ws?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await clearService(service).catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the models that serve', async () => {
    const page = await models.models.list();
    const byTask = new Map(
      page.data.map((m) => [(m as unknown as { nook: { task: string } }).nook.task, m.id]),
    );
    expect(byTask.get('chat')).toBe('nook');
    expect(byTask.get('embedding')).toBeTruthy();
    expect(byTask.get('tts')).toBeTruthy();
    if (HAS_STT) expect(byTask.get('stt')).toBe(STT);
  });

  it('embeddings match the app’s: the cosine its search reports equals the cosine of the API vectors', async () => {
    const file = path.join(dataDir, 'kerrera.md');
    fs.writeFileSync(file, DOC);
    await invoke('knowledge.import', { paths: [file] });
    const query = 'What colour is the lighthouse?';
    let hit: { text: string; legScores: { cosine: number | null } } | undefined;
    for (let i = 0; i < 600 && !hit; i++) {
      const res = await invoke<{ hits: Array<{ text: string; legScores: { cosine: number | null } }> }>(
        'knowledge.search',
        { query, k: 5, mode: 'vector' },
      );
      hit = res.hits.find((h) => h.legScores.cosine !== null);
      if (!hit) await new Promise((r) => setTimeout(r, 200));
    }
    expect(hit, 'the imported document is searchable').toBeDefined();

    const modelId = (await models.models.list()).data.find(
      (m) => (m as unknown as { nook: { task: string } }).nook.task === 'embedding',
    )!.id;
    const q = await models.embeddings.create({
      model: modelId,
      input: query,
      nook: { kind: 'query' },
    } as OpenAI.EmbeddingCreateParams);
    const d = await models.embeddings.create({ model: modelId, input: hit!.text });
    expect(q.usage.prompt_tokens).toBeGreaterThan(3);
    expect(cosine(q.data[0]!.embedding, d.data[0]!.embedding)).toBeCloseTo(hit!.legScores.cosine!, 3);
  });

  it.skipIf(!HAS_GGUF)(
    'streams a chat completion from the real local GGUF model',
    { timeout: 600_000 },
    async () => {
      const stream = await models.chat.completions.create({
        model: 'nook',
        messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
        max_tokens: 24,
        stream: true,
      });
      const deltas: string[] = [];
      let finish: string | null = null;
      let provider: { kind: string } | null = null;
      for await (const chunk of stream) {
        const c = chunk.choices[0];
        if (c?.delta.content) deltas.push(c.delta.content);
        if (c?.finish_reason) finish = c.finish_reason;
        const extra = (chunk as unknown as { nook?: { provider: { kind: string } } }).nook;
        if (extra) provider = extra.provider;
      }
      expect(finish).toBe('stop');
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('').trim()).not.toBe('');
      expect(provider?.kind).toBe('local-gguf');
    },
  );

  it.skipIf(!HAS_STT)('transcribes jfk.wav with the real whisper model', { timeout: 900_000 }, async () => {
    const t = await models.audio.transcriptions.create({
      file: fs.createReadStream(JFK),
      model: STT!,
      response_format: 'verbose_json',
    });
    const words = t.text.toLowerCase().replace(/[^a-z ]/g, '');
    expect(words).toContain('ask not what your country can do for you');
    expect(t.duration).toBeGreaterThan(10);
    expect(t.segments!.length).toBeGreaterThan(0);
    // The other formats of the same transcript: subtitles in order, text as is.
    const segments = t.segments!.map((s) => ({ text: s.text, start: s.start, end: s.end }));
    const transcript = { text: t.text, language: 'en', durationSec: t.duration, segments };
    const srt = formatTranscript(transcript, 'srt').body as string;
    expect(srt).toMatch(/^1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\n\S/);
    expect(srt.split('\n\n').filter(Boolean)).toHaveLength(segments.length);
    expect(formatTranscript(transcript, 'vtt').body as string).toMatch(/^WEBVTT\n\n00:00:\d\d\.\d{3} --> /);
    expect(formatTranscript(transcript, 'text').body).toBe(`${t.text}\n`);
  });

  it('body limits through the host: 413 over 4 MiB, a 1.5 MiB batch reaches validation', async () => {
    const post = async (body: unknown) => {
      const res = await fetch(`${url}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${installation}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as { error: { type: string; code: string } } };
    };
    // A body over the route's 4 MiB limit is refused on its declared length, before it is sent (the
    // host answers and may close at once, so a client still uploading would see a broken pipe).
    const huge = await postDeclaredLength(url, '/v1/embeddings', {
      length: 5 * 1024 * 1024,
      headers: { authorization: `Bearer ${installation}` },
      start: '{"model":"nook","input":"',
    });
    expect(huge.status).toBe(413);
    expect((JSON.parse(huge.body) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    // Over the host's default 1 MiB: the route's own limit lets it through to the token check.
    const big = await post({
      model: 'nook',
      input: Array.from({ length: 400 }, () => 'lighthouse '.repeat(380)),
    });
    expect(big.status).toBe(400);
    expect(big.json.error.code).toBe('context_length_exceeded');
    await expect(
      models.embeddings.create({ model: 'nook', input: { text: 'x' } as unknown as string }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('no token 401, read-only token 403, revoked token 403: OpenAI’s error classes', async () => {
    await expect(clientWith('nook_0000000000000000_wrong').models.list()).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const bare = await fetch(`${url}/v1/models`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { type: string } }).error.type).toBe('authentication_error');

    const read = await invoke<{ value: string }>('apiTokens.create', { name: 'read only', scopes: ['read'] });
    await expect(clientWith(read.value).models.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);

    await invoke('apiTokens.revoke', { id: modelsTokenId });
    await expect(models.models.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
  });
});
