/**
 * The OpenAI-compatible routes (`/v1/*`) over a real core with the real local models, called with
 * the official `openai` npm client and with raw HTTP for what a client would not send:
 *
 * - /v1/models lists the models that serve (embedding, whisper, TTS, the `nook` router);
 * - /v1/embeddings gives the knowledge embedder's vectors: compared with an independent MiniLM
 *   session over the same model files (cosine ~1), base64 and float identical, usage from the
 *   model's tokenizer;
 * - /v1/chat/completions streams through the router: the REAL local SmolLM2 GGUF model, and a
 *   grounded answer (extractive provider) that cites the imported document;
 * - /v1/audio/speech speaks WAV with the local voice (jfk.wav through whisper: openaiServed.test.ts);
 * - bad input (wrong types, unknown model, missing file, huge body, too many or too long inputs,
 *   unsupported options) gets OpenAI's error shape and status.
 *
 * The keychain is an in-memory stand-in (these routes touch no secrets); the served host with its
 * authentication is tested in openaiServed.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/core';
import { registerOpenAi } from '../../src/main/host/openai';
import { openAiDepsFromCore } from '../../src/main/host/openaiCore';
import { cosine, createEmbedder, type Embedder } from '../../src/main/services/inference/embedder';
import { int8DotProduct } from '../../src/main/services/inference/cpuFeatures';
import { readWav } from '../../src/main/services/inference/wav';
import { EmbeddingParamsSchema } from '../../src/shared/types/models';
import { manifest, modelsDir } from '../models/modelFiles';
import { tempDir } from '../services/helpers/tmp';
import { postDeclaredLength } from './declaredBody';
import { memoryKeychain } from '../services/helpers/memoryKeychain';

const present = (id: string) => {
  const e = manifest.models.find((m) => m.id === id);
  return !!e && e.files.every((f) => fs.existsSync(path.join(modelsDir, id, f.path)));
};
const HAS_EMBEDDER = manifest.models.some((m) => m.task === 'embedding' && present(m.id));
const HAS_GGUF = manifest.models.some((m) => m.task === 'llm' && present(m.id));
const HAS_STT = manifest.models.some((m) => m.task === 'stt' && present(m.id)) && present('silero-vad');
if (!HAS_EMBEDDER)
  console.warn(`Skipping /v1 tests: no embedding model in ${modelsDir} (npm run models:fetch)`);

const DOC = `# Kerrera harbour handbook

## Lighthouse

The Hutcheson lighthouse on Kerrera is painted bright red so that fishermen can see it in fog.
It was built in 1904 and its lamp turns every twelve seconds.

## Ferry

The passenger ferry to Kerrera leaves Gallanach pier every half hour between 8am and 6pm.
Bicycles travel free of charge. Dogs must be kept on a lead.
`;

let dir: string;
let core: Core;
let app: FastifyInstance;
let base: string;
let client: OpenAI;
let reference: Embedder;
let embeddingId: string;

async function post(p: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return {
    status: res.status,
    json: json as { error?: Record<string, unknown> } & Record<string, unknown>,
    text,
  };
}

function expectOpenAiError(
  r: { status: number; json: { error?: Record<string, unknown> } | null },
  status: number,
  param?: string | null,
) {
  expect(r.status).toBe(status);
  expect(r.json?.error).toBeDefined();
  expect(typeof r.json!.error!.message).toBe('string');
  expect(typeof r.json!.error!.type).toBe('string');
  expect(r.json!.error).toHaveProperty('param');
  expect(r.json!.error).toHaveProperty('code');
  if (param !== undefined) expect(r.json!.error!.param).toBe(param);
}

describe.skipIf(!HAS_EMBEDDER)('OpenAI-compatible /v1 routes over the real core', () => {
  beforeAll(async () => {
    dir = tempDir('openai-v1');
    core = await createCore({
      mode: 'host',
      dataDir: dir,
      version: '0.0.1-test',
      keychain: memoryKeychain(),
      models: { dir: modelsDir },
    });
    const file = path.join(dir, 'kerrera-handbook.md');
    fs.writeFileSync(file, DOC);
    await core.knowledge.import([file]);
    await core.knowledge.whenIdle();

    app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
    await registerOpenAi(app, { deps: () => openAiDepsFromCore(core), tmpDir: dir });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    client = new OpenAI({
      baseURL: `${base}/v1`,
      apiKey: 'not-checked-here',
      maxRetries: 0,
      timeout: 600_000,
    });

    // An independent session of the same embedding model, in this process (not the knowledge worker).
    const spec = await core.embeddings.model();
    embeddingId = spec.id;
    const e = manifest.models.find((m) => m.id === spec.id)!;
    const params = EmbeddingParamsSchema.parse(e.params);
    reference = await createEmbedder({
      onnxPath: path.join(modelsDir, spec.id, params.onnx),
      tokenizerPath: path.join(modelsDir, spec.id, params.tokenizer),
      params,
      // Computed as the knowledge worker computes it (int8 MatMuls where this CPU has them).
      int8MatMul: int8DotProduct(),
    });
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await reference?.dispose();
    await core?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the models that serve, in OpenAI’s list shape', async () => {
    const page = await client.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toContain('nook');
    expect(ids).toContain(embeddingId);
    for (const m of page.data) {
      expect(m.object).toBe('model');
      expect(typeof m.created).toBe('number');
      expect(typeof m.owned_by).toBe('string');
    }
    const tasks = page.data.map((m) => (m as unknown as { nook: { task: string } }).nook.task);
    expect(tasks).toContain('embedding');
    expect(tasks).toContain('tts');
    if (HAS_STT) expect(tasks).toContain('stt');
    const one = await client.models.retrieve(embeddingId);
    expect(one.id).toBe(embeddingId);
    await expect(client.models.retrieve('gpt-4o')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('embeddings match the knowledge embedder’s vectors (cosine ~1), with tokenizer usage', async () => {
    const texts = [
      'The Hutcheson lighthouse on Kerrera is painted bright red.',
      'Bicycles travel free of charge on the ferry.',
      'Quarterly revenue grew by 12% in the northern region.',
    ];
    // The client asks for base64 by default and decodes it to floats.
    const res = await client.embeddings.create({ model: embeddingId, input: texts });
    expect(res.object).toBe('list');
    expect(res.model).toBe(embeddingId);
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    const ref = await reference.embed(texts, 'document');
    for (let i = 0; i < texts.length; i++) {
      expect(res.data[i]!.embedding).toHaveLength(reference.dimension);
      expect(cosine(res.data[i]!.embedding, ref[i]!)).toBeGreaterThan(0.9999);
    }
    // Different texts stay different (no constant vector passes the check above by accident).
    expect(cosine(res.data[0]!.embedding, res.data[2]!.embedding)).toBeLessThan(0.5);
    const tokens = reference.countTokens(texts, 'document').reduce((a, b) => a + b, 0);
    expect(res.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });

    // The same vectors as floats; a single string works too.
    const floats = await post('/v1/embeddings', {
      model: embeddingId,
      input: texts[0],
      encoding_format: 'float',
    });
    expect(floats.status).toBe(200);
    const data = floats.json.data as Array<{ embedding: number[] }>;
    expect(data).toHaveLength(1);
    expect(cosine(data[0]!.embedding, res.data[0]!.embedding)).toBeGreaterThan(0.999999);
  });

  it.skipIf(!HAS_GGUF)(
    'streams a chat completion from the REAL local GGUF model through the router',
    { timeout: 600_000 },
    async () => {
      const stream = await client.chat.completions.create({
        model: 'nook',
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: 'Name one primary colour.' },
        ],
        max_tokens: 24,
        stream: true,
        stream_options: { include_usage: true },
      });
      const deltas: string[] = [];
      let finish: string | null = null;
      let last: Record<string, unknown> | null = null;
      let usage: OpenAI.CompletionUsage | null | undefined = null;
      for await (const chunk of stream) {
        expect(chunk.object).toBe('chat.completion.chunk');
        if (chunk.usage) usage = chunk.usage;
        const c = chunk.choices[0];
        if (!c) continue;
        if (c.delta.content) deltas.push(c.delta.content);
        if (c.finish_reason) {
          finish = c.finish_reason;
          last = chunk as unknown as Record<string, unknown>;
        }
      }
      expect(finish).toBe('stop');
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('').trim().length).toBeGreaterThan(0);
      const nook = (last as { nook: { provider: { kind: string }; status: string } }).nook;
      expect(nook.provider.kind).toBe('local-gguf');
      expect(nook.status).toBe('done');
      expect(usage!.completion_tokens).toBeGreaterThan(0);
      expect(usage!.prompt_tokens).toBeGreaterThan(5);
    },
  );

  it('grounded chat answers from the knowledge base with citations (extractive provider)', async () => {
    const r = await core.dispatcher.dispatch(
      'settings.update',
      { assistant: { providers: [{ id: 'extractive', kind: 'extractive', name: 'Extractive (no model)' }] } },
      { transport: 'internal' },
    );
    expect(r.ok).toBe(true);
    const body = {
      model: 'nook',
      messages: [{ role: 'user', content: 'What colour is the lighthouse on Kerrera?' }],
      nook: { grounded: true, k: 4 },
    };
    // Non-streaming (extension fields pass through the client's body untouched).
    const res = (await client.chat.completions.create(
      body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
    )) as OpenAI.ChatCompletion & {
      nook: { citations: Array<{ n: number; name: string; cited: boolean }>; provider: { id: string } };
    };
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]!.message.content).toMatch(/painted bright red.*\[1\]/);
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.nook.provider.id).toBe('extractive');
    expect(res.nook.citations[0]).toMatchObject({ n: 1, name: 'kerrera-handbook.md', cited: true });

    // Streaming: the citations come in the final chunk.
    const stream = await client.chat.completions.create({
      ...(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming),
      stream: true,
    });
    let text = '';
    let citations: unknown[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      const extra = (chunk as unknown as { nook?: { citations: unknown[] } }).nook;
      if (extra) citations = extra.citations;
    }
    expect(text).toBe(res.choices[0]!.message.content);
    expect(citations).toEqual(res.nook.citations);

    // Nothing relevant: the app's answer, no invented one.
    const none = await client.chat.completions.create({
      ...(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
      messages: [{ role: 'user', content: 'Who won the 1966 World Cup?' }],
    });
    expect(none.choices[0]!.message.content).toBe('I could not find this in your documents.');
  });

  it(
    'speaks WAV with the local voice, and refuses formats it cannot make',
    { timeout: 300_000 },
    async () => {
      const models = await client.models.list();
      const tts = models.data.find((m) => (m as unknown as { nook: { task: string } }).nook.task === 'tts')!;
      const res = await client.audio.speech.create({
        model: tts.id,
        voice: 'alloy',
        input: 'The ferry leaves every half hour.',
        response_format: 'wav',
      });
      expect(res.headers.get('content-type')).toBe('audio/wav');
      const wav = new Uint8Array(await res.arrayBuffer());
      const audio = readWav(wav);
      // About two seconds of speech: real audio, not an empty header.
      expect(audio.samples.length / audio.sampleRate).toBeGreaterThan(0.8);
      let peak = 0;
      for (const s of audio.samples) peak = Math.max(peak, Math.abs(s));
      expect(peak).toBeGreaterThan(0.05);

      const mp3 = await post('/v1/audio/speech', {
        model: tts.id,
        input: 'Hi',
        voice: 'alloy',
        response_format: 'mp3',
      });
      expectOpenAiError(mp3, 400, 'response_format');
    },
  );

  it('bad input gets OpenAI’s error shape and status', async () => {
    // Wrong types.
    expectOpenAiError(await post('/v1/embeddings', { model: embeddingId, input: 5 }), 400, 'input');
    expectOpenAiError(await post('/v1/embeddings', { model: 7, input: 'x' }), 400, 'model');
    expectOpenAiError(
      await post('/v1/chat/completions', { model: 'nook', messages: 'hello' }),
      400,
      'messages',
    );
    expectOpenAiError(
      await post('/v1/chat/completions', { model: 'nook', messages: [{ role: 'wizard', content: 'x' }] }),
      400,
      'messages[0].role',
    );
    expectOpenAiError(await post('/v1/embeddings', '{"model": "x", "input": '), 400);
    expectOpenAiError(await post('/v1/embeddings', [1, 2]), 400);
    // Through the client: its exception classes.
    await expect(
      client.embeddings.create({ model: embeddingId, input: 42 as unknown as string }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });

    // Limits: too many inputs, an input over the model's token limit, token arrays, empty text.
    expectOpenAiError(
      await post('/v1/embeddings', { model: embeddingId, input: Array.from({ length: 513 }, () => 'a') }),
      400,
      'input',
    );
    const long = await post('/v1/embeddings', { model: embeddingId, input: ['short', 'word '.repeat(600)] });
    expectOpenAiError(long, 400, 'input[1]');
    expect(long.json.error!.code).toBe('context_length_exceeded');
    expect(long.json.error!.message).toMatch(/is \d+ tokens long; .* at most \d+ tokens/);
    // Far longer than any input the model takes: refused before tokenising.
    const longer = await post('/v1/embeddings', { model: embeddingId, input: 'lighthouse '.repeat(500) });
    expectOpenAiError(longer, 400, 'input');
    expect(longer.json.error!.message).toMatch(/is 5500 characters long/);
    expectOpenAiError(await post('/v1/embeddings', { model: embeddingId, input: [1, 2, 3] }), 400, 'input');
    expectOpenAiError(
      await post('/v1/embeddings', { model: embeddingId, input: ['ok', '  '] }),
      400,
      'input[1]',
    );
    expectOpenAiError(
      await post('/v1/embeddings', { model: embeddingId, input: 'x', dimensions: 64 }),
      400,
      'dimensions',
    );

    // Options the router cannot honour are refused, not ignored.
    const msgs = [{ role: 'user', content: 'hi' }];
    expectOpenAiError(await post('/v1/chat/completions', { model: 'nook', messages: msgs, n: 2 }), 400, 'n');
    expectOpenAiError(
      await post('/v1/chat/completions', { model: 'nook', messages: msgs, tools: [{ type: 'function' }] }),
      400,
      'tools',
    );
    expectOpenAiError(
      await post('/v1/chat/completions', { model: 'nook', messages: [{ role: 'assistant', content: 'hi' }] }),
      400,
    );
    expectOpenAiError(
      await post('/v1/chat/completions', {
        model: 'nook',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
      }),
      400,
      'messages[0].content[0].type',
    );
    expectOpenAiError(await post('/v1/chat/completions', { model: 'gpt-4o', messages: msgs }), 404, 'model');

    // A huge body: 413 before anything is parsed.
    const huge = await postDeclaredLength(base, '/v1/embeddings', {
      length: 5 * 1024 * 1024,
      start: `{"model":"${embeddingId}","input":"`,
    });
    expectOpenAiError(
      { status: huge.status, json: JSON.parse(huge.body) as { error?: Record<string, unknown> } },
      413,
    );

    // Transcriptions: not multipart, no file, no model.
    expectOpenAiError(await post('/v1/audio/transcriptions', { model: 'x' }), 400, 'file');
    const noFile = new FormData();
    noFile.set('model', 'whatever');
    const r1 = await fetch(`${base}/v1/audio/transcriptions`, { method: 'POST', body: noFile });
    expectOpenAiError(
      { status: r1.status, json: (await r1.json()) as { error?: Record<string, unknown> } },
      400,
      'file',
    );
    await expect(
      client.audio.transcriptions.create({
        file: await toFile(Buffer.from('RIFF....not really audio'), 'a.wav'),
        model: '',
      }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);

    // Unknown endpoint under /v1.
    const unknown = await fetch(`${base}/v1/completions`, { method: 'POST' });
    expectOpenAiError(
      { status: unknown.status, json: (await unknown.json()) as { error?: Record<string, unknown> } },
      404,
    );
    // A known path with another method: 405 with Allow.
    const put = await fetch(`${base}/v1/models`, { method: 'PUT' });
    expect(put.headers.get('allow')).toBe('GET');
    expectOpenAiError(
      { status: put.status, json: (await put.json()) as { error?: Record<string, unknown> } },
      405,
    );
    // A multipart body without its boundary is the client's error, not a 500.
    const broken = await fetch(`${base}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data' },
      body: 'no boundary here',
    });
    expectOpenAiError(
      { status: broken.status, json: (await broken.json()) as { error?: Record<string, unknown> } },
      400,
      'file',
    );
  });

  it('`nook` names the model a task uses now; the response names the real one', async () => {
    const res = await client.embeddings.create({ model: 'nook', input: 'ferry timetable' });
    expect(res.model).toBe(embeddingId);
    const [ref] = await reference.embed(['ferry timetable'], 'document');
    expect(cosine(res.data[0]!.embedding, ref!)).toBeGreaterThan(0.9999);
  });

  it.skipIf(!HAS_STT)(
    'a file that is not audio is a 400 naming the client’s file, not a temp path',
    async () => {
      const models = await client.models.list();
      const stt = models.data.find((m) => (m as unknown as { nook: { task: string } }).nook.task === 'stt')!;
      const form = new FormData();
      form.set('file', new Blob([Buffer.from('definitely not audio data at all')]), 'notes.wav');
      form.set('model', stt.id);
      const r = await fetch(`${base}/v1/audio/transcriptions`, { method: 'POST', body: form });
      const json = (await r.json()) as { error: { message: string } };
      expectOpenAiError({ status: r.status, json }, 400);
      expect(json.error.message).toContain('notes.wav');
      expect(json.error.message).not.toContain('nook-stt-');
      // The upload did not stay behind.
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('nook-stt-'))).toEqual([]);
    },
  );
});
