/**
 * The OpenAI-compatible surface of the host, so tools written for OpenAI's API (the official
 * clients, editors, other assistants) can use Nook's local models:
 *
 *   GET  /v1/models                 the models that serve now (active embedding, speech-to-text and
 *                                   text-to-speech models, and `nook`: the assistant's provider router)
 *   GET  /v1/models/:id
 *   POST /v1/embeddings             the knowledge base's embedding model (same vectors as the app)
 *   POST /v1/chat/completions       through the assistant's router (its chain and failover), streamed
 *                                   as server-sent events or whole; `nook: { grounded, k }` answers
 *                                   from the knowledge base and returns `nook.citations`
 *   POST /v1/audio/transcriptions   whisper (multipart: file, model, response_format, language, prompt)
 *   POST /v1/audio/speech           local text to speech as audio/wav
 *
 * Errors are OpenAI's shape `{ error: { message, type, param, code } }` with OpenAI's statuses.
 * Routes declare the token scope `models` (`config.scope`) and ask for OpenAI-shaped auth errors
 * (`config.errorShape`); the host's authentication hook reads both.
 *
 * The module stays light (no zod, no services): the host imports it before the core has loaded.
 * Schemas and the services come in on the first request.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import { OpenAiHttpError, openAiErrorBody, toOpenAiError } from './openaiErrors';
import type { ZodError } from 'zod';
import type * as OpenAiSchemas from './openaiSchemas';
import type { ChatRequest } from './openaiSchemas';

export type OpenAiModelTask = 'chat' | 'embedding' | 'stt' | 'tts';

export interface OpenAiModelInfo {
  id: string;
  task: OpenAiModelTask;
  displayName: string;
  /** Unix seconds (the model files' date, or when the host started). */
  created: number;
  ownedBy: string;
}

export interface EmbeddingModelInfo {
  id: string;
  dimension: number;
  /** Longest input in tokens, special tokens included. */
  maxTokens: number;
}

export type EmbedKind = 'query' | 'document';

export interface ChatMessageOut {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatCall {
  messages: ChatMessageOut[];
  /** The answer's token budget as the client asked (the provider's context may lower it). */
  maxTokens: number | null;
  temperature: number | null;
  grounded: boolean;
  k: number;
}

export interface ChatCitation {
  n: number;
  documentId: number;
  chunkId: number;
  name: string;
  path: string;
  page: number | null;
  headingPath: string[];
  excerpt: string;
  cited: boolean;
}

export interface ChatOutcome {
  text: string;
  /** Which provider answered (null: no model was needed, e.g. nothing relevant was found). */
  provider: { id: string; name: string; kind: string } | null;
  status: 'done' | 'cut' | 'stopped';
  notice: string | null;
  citations: ChatCitation[];
  usage: { promptTokens: number; completionTokens: number; source: string };
}

export interface TranscriptOut {
  text: string;
  language: string;
  durationSec: number;
  segments: Array<{ text: string; start: number; end: number }>;
}

export interface SpeechOut {
  wav: Buffer;
  engine: string;
  sampleRate: number;
}

/** What the routes need from the core (`openaiCore.ts` builds it from the real one). */
export interface OpenAiDeps {
  listModels(): Promise<OpenAiModelInfo[]>;
  embeddingModel(): Promise<EmbeddingModelInfo>;
  countEmbeddingTokens(texts: string[], kind: EmbedKind): Promise<number[]>;
  embed(texts: string[], kind: EmbedKind, signal: AbortSignal): Promise<Float32Array[]>;
  /** Streams the answer through `onDelta`; resolves when it is complete. */
  chat(call: ChatCall, onDelta: (text: string) => void, signal: AbortSignal): Promise<ChatOutcome>;
  transcribe(
    file: string,
    options: { language?: string; prompt?: string },
    signal: AbortSignal,
  ): Promise<TranscriptOut>;
  speak(text: string, signal: AbortSignal): Promise<SpeechOut>;
}

export interface OpenAiOptions {
  /** The services; called on the first request (the core may still be loading when routes register). */
  deps: () => OpenAiDeps | Promise<OpenAiDeps>;
  /** Largest audio file for a transcription (default 25 MiB, OpenAI's limit). */
  maxAudioBytes?: number;
  /** Largest JSON body of /v1/embeddings and /v1/chat/completions (default 4 MiB). */
  maxJsonBytes?: number;
  /** Where uploaded audio waits while it is transcribed (default the OS temp dir). */
  tmpDir?: string;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export const OPENAI_PREFIX = '/v1';
/**
 * `nook`: the chat "model" (the assistant's router: its provider chain, failover and notices), and
 * for every other endpoint an alias of the model that task uses now (so a client configured once
 * keeps working when the user picks another model in Settings; responses name the real model).
 */
export const NOOK_MODEL_ID = 'nook';
/** The routes and their methods, for 405 answers to any other method. */
const METHODS: Array<[RegExp, string]> = [
  [/^\/v1\/models\/?$/, 'GET'],
  [/^\/v1\/models\/[^/]+$/, 'GET'],
  [/^\/v1\/(embeddings|chat\/completions|audio\/transcriptions|audio\/speech)$/, 'POST'],
];
const DEFAULT_MAX_AUDIO_BYTES = 25 * 1024 * 1024;
const DEFAULT_MAX_JSON_BYTES = 4 * 1024 * 1024;
const DEFAULT_GROUNDED_K = 8;
/**
 * An input longer than the model's token limit times this is refused before tokenising. Real text
 * has 3-6 characters per token; only words over 100 characters (one [UNK] token each) go beyond.
 */
const MAX_CHARS_PER_TOKEN = 16;

type Schemas = typeof OpenAiSchemas;
let schemasLoading: Promise<Schemas> | null = null;
const schemas = (): Promise<Schemas> => (schemasLoading ??= import('./openaiSchemas'));

export async function registerOpenAi(app: FastifyInstance, options: OpenAiOptions): Promise<void> {
  await app.register(async (v1) => openAiRoutes(v1, options), { prefix: OPENAI_PREFIX });
}

async function openAiRoutes(app: FastifyInstance, o: OpenAiOptions): Promise<void> {
  const maxAudioBytes = o.maxAudioBytes ?? DEFAULT_MAX_AUDIO_BYTES;
  const maxJsonBytes = o.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
  const tmpDir = o.tmpDir ?? os.tmpdir();
  // The host's authentication reads both: a user token needs the `models` scope here.
  const config = { scope: 'models', errorShape: 'openai' } as const;
  let depsLoading: Promise<OpenAiDeps> | null = null;
  const deps = (): Promise<OpenAiDeps> => {
    if (!depsLoading) {
      const p = Promise.resolve().then(o.deps);
      depsLoading = p;
      p.catch(() => {
        if (depsLoading === p) depsLoading = null;
      });
    }
    return depsLoading;
  };

  // The upload route may have registered multipart on the host already (one parser per content type).
  if (!app.hasRequestDecorator('isMultipart')) await app.register(fastifyMultipart);

  /** A 405 when the path is one of ours with another method (a body-parsing error can come first). */
  const methodNotAllowed = (req: FastifyRequest, reply: FastifyReply): FastifyReply | null => {
    const p = req.url.split('?')[0]!;
    const allowed = METHODS.find(([re]) => re.test(p))?.[1];
    if (!allowed || req.method === allowed) return null;
    return reply
      .code(405)
      .header('allow', allowed)
      .type('application/json')
      .send(
        openAiErrorBody(
          405,
          `${req.method} is not allowed on ${p}; use ${allowed}.`,
          null,
          'method_not_allowed',
        ),
      );
  };

  app.setErrorHandler((e, req, reply) => {
    const wrongMethod = methodNotAllowed(req, reply);
    if (wrongMethod) return wrongMethod;
    const mapped = toOpenAiError(e);
    if (mapped.unexpected) o.log?.error({ err: e, path: req.routeOptions.url }, 'OpenAI route failed');
    else if (mapped.status >= 500)
      o.log?.warn({ path: req.routeOptions.url, err: String(e) }, 'OpenAI route');
    return reply.code(mapped.status).type('application/json').send(mapped.body);
  });
  app.setNotFoundHandler((req, reply) => {
    const wrongMethod = methodNotAllowed(req, reply);
    if (wrongMethod) return wrongMethod;
    const p = req.url.split('?')[0]!;
    return reply
      .code(404)
      .type('application/json')
      .send(openAiErrorBody(404, `Unknown endpoint: ${req.method} ${p}`, null, 'unknown_url'));
  });

  // ---- models ------------------------------------------------------------------------------------

  const modelObject = (m: OpenAiModelInfo) => ({
    id: m.id,
    object: 'model' as const,
    created: m.created,
    owned_by: m.ownedBy,
    nook: { task: m.task, displayName: m.displayName },
  });

  app.get('/models', { config }, async () => {
    const models = await (await deps()).listModels();
    return { object: 'list', data: models.map(modelObject) };
  });

  app.get('/models/:id', { config }, async (req) => {
    const { id } = req.params as { id: string };
    const found = (await (await deps()).listModels()).find((m) => m.id === id);
    if (!found) throw notServed(id, 'model');
    return modelObject(found);
  });

  const requireModel = async (d: OpenAiDeps, id: string, task: OpenAiModelTask): Promise<OpenAiModelInfo> => {
    const models = await d.listModels();
    const found = models.find((m) => (m.id === id || id === NOOK_MODEL_ID) && m.task === task);
    if (found) return found;
    const offered = models.filter((m) => m.task === task).map((m) => `'${m.id}'`);
    throw new OpenAiHttpError(
      404,
      `The model '${id}' does not exist or does not serve ${TASK_WORDS[task]} here. ` +
        (offered.length
          ? `Use ${offered.join(' or ')} (GET /v1/models lists them).`
          : `No ${TASK_WORDS[task]} model is installed: add one in Nook's Settings → Models.`),
      'model',
      'model_not_found',
    );
  };

  // ---- embeddings --------------------------------------------------------------------------------

  app.post('/embeddings', { config, bodyLimit: maxJsonBytes }, async (req, reply) => {
    const signal = abortOnClose(req, reply);
    const s = await schemas();
    const raw = (req.body as { input?: unknown } | null)?.input;
    if (Array.isArray(raw) && raw.some((x) => typeof x === 'number' || Array.isArray(x)))
      throw new OpenAiHttpError(
        400,
        "Token arrays are not accepted: tokens of OpenAI's tokenizers mean nothing to the local model. Send the text.",
        'input',
      );
    const body = parse(s.EmbeddingsRequestSchema, req.body, s.firstIssue);
    const texts = typeof body.input === 'string' ? [body.input] : body.input;
    const d = await deps();
    const model = await d.embeddingModel();
    if (body.model !== model.id && body.model !== NOOK_MODEL_ID)
      await requireModel(d, body.model, 'embedding');
    if (body.dimensions !== undefined && body.dimensions !== model.dimension)
      throw new OpenAiHttpError(
        400,
        `'${model.id}' makes ${model.dimension}-dimensional vectors; it cannot shorten them to ${body.dimensions}.`,
        'dimensions',
      );
    const kind: EmbedKind = body.nook?.kind ?? 'document';
    // Far more characters than the model's tokens could hold is too long without tokenising it
    // (tokenising runs on the host's thread: a few MB of text would stall every other request).
    const longest = texts.findIndex((t) => t.length > model.maxTokens * MAX_CHARS_PER_TOKEN);
    if (longest !== -1)
      throw new OpenAiHttpError(
        400,
        `input[${longest}] is ${texts[longest]!.length} characters long; '${model.id}' takes at most ` +
          `${model.maxTokens} tokens per input. Split the text into shorter pieces.`,
        typeof body.input === 'string' ? 'input' : `input[${longest}]`,
        'context_length_exceeded',
      );
    const counts = await d.countEmbeddingTokens(texts, kind);
    const over = counts.findIndex((c) => c > model.maxTokens);
    if (over !== -1)
      throw new OpenAiHttpError(
        400,
        `input[${over}] is ${counts[over]} tokens long; '${model.id}' takes at most ${model.maxTokens} tokens ` +
          'per input. Split the text into shorter pieces.',
        typeof body.input === 'string' ? 'input' : `input[${over}]`,
        'context_length_exceeded',
      );
    const vectors = await d.embed(texts, kind, signal);
    const tokens = counts.reduce((a, b) => a + b, 0);
    const base64 = body.encoding_format === 'base64';
    return {
      object: 'list',
      data: vectors.map((v, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? float32Base64(v) : Array.from(v),
      })),
      model: model.id,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  });

  // ---- chat completions ----------------------------------------------------------------------------

  app.post('/chat/completions', { config, bodyLimit: maxJsonBytes }, async (req, reply) => {
    const signal = abortOnClose(req, reply);
    const s = await schemas();
    const body = parse(s.ChatRequestSchema, req.body, s.firstIssue);
    const d = await deps();
    if (body.model !== NOOK_MODEL_ID) await requireModel(d, body.model, 'chat');
    const call = chatCall(body);
    const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model;

    if (!body.stream) {
      const outcome = await d.chat(call, () => undefined, signal);
      return {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: outcome.text, refusal: null },
            finish_reason: 'stop',
            logprobs: null,
          },
        ],
        usage: usageOf(outcome),
        nook: nookFields(outcome),
      };
    }

    // Server-sent events, started at the first piece of text: a failure before it (no provider could
    // answer) is still an ordinary JSON error with its status.
    const raw = reply.raw;
    let started = false;
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: object = {}) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...extra,
    });
    const write = (data: unknown) => {
      if (!raw.destroyed) raw.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    const start = () => {
      if (started) return;
      started = true;
      reply.hijack();
      raw.writeHead(200, {
        ...headersOf(reply),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      write(chunk({ role: 'assistant', content: '' }, null));
    };
    let outcome: ChatOutcome;
    try {
      outcome = await d.chat(
        call,
        (text) => {
          start();
          write(chunk({ content: text }, null));
        },
        signal,
      );
    } catch (e) {
      if (!started) throw e;
      const mapped = toOpenAiError(e);
      if (mapped.unexpected) o.log?.error({ err: e }, 'chat completion failed mid-stream');
      write(mapped.body);
      raw.end();
      return reply;
    }
    // The client went away (the router stopped the answer): nobody is left to write to.
    if (signal.aborted || raw.destroyed) {
      if (!started) reply.hijack();
      raw.destroy();
      return reply;
    }
    start();
    write(chunk({}, 'stop', { nook: nookFields(outcome) }));
    if (body.stream_options?.include_usage)
      write({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageOf(outcome) });
    raw.write('data: [DONE]\n\n');
    raw.end();
    return reply;
  });

  // ---- audio -------------------------------------------------------------------------------------

  app.post('/audio/transcriptions', { config }, async (req, reply) => {
    if (!req.isMultipart())
      throw new OpenAiHttpError(
        400,
        "Send the audio as multipart/form-data with a 'file' field and a 'model' field.",
        'file',
      );
    const s = await schemas();
    const fields: Record<string, string> = {};
    let file: { path: string; name: string } | null = null;
    const signal = abortOnClose(req, reply);
    try {
      // A file over the limit arrives truncated (flagged) instead of throwing mid-stream: a clean 413.
      const partsOptions = {
        throwFileSizeLimit: false,
        limits: { fileSize: maxAudioBytes, files: 1, fields: 16 },
      };
      try {
        for await (const part of req.parts(partsOptions)) {
          if (part.type === 'file') {
            if (file || part.fieldname !== 'file') {
              part.file.resume();
              throw new OpenAiHttpError(400, "Send exactly one audio file, in the 'file' field.", 'file');
            }
            const ext = /\.([a-z0-9]{1,5})$/i.exec(part.filename ?? '')?.[1]?.toLowerCase() ?? 'wav';
            const target = path.join(tmpDir, `nook-stt-${randomBytes(8).toString('hex')}.${ext}`);
            file = { path: target, name: part.filename || 'audio' };
            await pipeline(part.file, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }));
            if (part.file.truncated)
              throw new OpenAiHttpError(
                413,
                `The audio file is larger than ${Math.round(maxAudioBytes / 1024 / 1024)} MiB.`,
                'file',
              );
          } else if (typeof part.value === 'string' && !(part.fieldname in fields)) {
            fields[part.fieldname] = part.value;
          }
        }
      } catch (e) {
        // A malformed body (no boundary, cut short, bad part headers) is the client's error; a
        // failing disk is not.
        if (e instanceof OpenAiHttpError || typeof (e as NodeJS.ErrnoException).syscall === 'string') throw e;
        const status = (e as { statusCode?: unknown }).statusCode;
        if (typeof status === 'number' && status >= 400 && status < 500) throw e;
        throw new OpenAiHttpError(
          400,
          `The multipart body could not be read: ${(e as Error).message ?? String(e)}`,
          'file',
          'invalid_multipart',
        );
      }
      if (!file) throw new OpenAiHttpError(400, "No audio: the 'file' field is missing.", 'file');
      const f = parse(s.TranscriptionFieldsSchema, fields, s.firstIssue);
      const d = await deps();
      await requireModel(d, f.model, 'stt');
      const audioPath = file.path;
      const t = await d
        .transcribe(
          audioPath,
          { ...(f.language ? { language: f.language } : {}), ...(f.prompt ? { prompt: f.prompt } : {}) },
          signal,
        )
        .catch((e: unknown) => {
          // sox names the temporary file; the client knows the file by its own name.
          if (e instanceof Error) e.message = e.message.split(audioPath).join(file!.name);
          throw e;
        });
      const out = formatTranscript(t, f.response_format ?? 'json');
      return reply.header('cache-control', 'no-store').type(out.type).send(out.body);
    } finally {
      if (file) await fs.promises.rm(file.path, { force: true }).catch(() => undefined);
    }
  });

  app.post('/audio/speech', { config, bodyLimit: 64 * 1024 }, async (req, reply) => {
    const signal = abortOnClose(req, reply);
    const s = await schemas();
    const body = parse(s.SpeechRequestSchema, req.body, s.firstIssue);
    const d = await deps();
    await requireModel(d, body.model, 'tts');
    const speech = await d.speak(body.input, signal);
    return reply
      .header('x-nook-tts-engine', speech.engine)
      .header('cache-control', 'no-store')
      .type('audio/wav')
      .send(speech.wav);
  });
}

const TASK_WORDS: Record<OpenAiModelTask, string> = {
  chat: 'chat completions',
  embedding: 'embeddings',
  stt: 'transcriptions',
  tts: 'speech',
};

function notServed(id: string, param: string): OpenAiHttpError {
  return new OpenAiHttpError(
    404,
    `The model '${id}' does not exist or is not served here.`,
    param,
    'model_not_found',
  );
}

interface SafeParser<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError };
}

function parse<T>(
  schema: SafeParser<T>,
  value: unknown,
  firstIssue: (e: ZodError) => { param: string | null; message: string },
): T {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))
    throw new OpenAiHttpError(400, 'The request body must be a JSON object.');
  const r = schema.safeParse(value);
  if (!r.success) {
    const { param, message } = firstIssue(r.error);
    throw new OpenAiHttpError(400, message, param, 'invalid_value');
  }
  return r.data;
}

/** Little-endian float32 bytes in base64, as OpenAI's `encoding_format: "base64"`. */
export function float32Base64(v: Float32Array): string {
  if (os.endianness() === 'LE') return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeFloatLE(x, i * 4));
  return b.toString('base64');
}

function contentText(m: ChatRequest['messages'][number], i: number): string {
  const c = m.content;
  if (c === undefined || c === null) return '';
  if (typeof c === 'string') return c;
  return c
    .map((p, j) => {
      if (p.type === 'text' && typeof (p as { text?: unknown }).text === 'string')
        return (p as { text: string }).text;
      throw new OpenAiHttpError(
        400,
        `messages[${i}].content[${j}] is of type '${p.type}': the local models read text only.`,
        `messages[${i}].content[${j}].type`,
        'unsupported_value',
      );
    })
    .join('\n');
}

function chatCall(body: ChatRequest): ChatCall {
  const unsupported = (param: string, why: string) =>
    new OpenAiHttpError(400, `${param} is not supported: ${why}`, param, 'unsupported_parameter');
  if (body.n !== undefined && body.n !== null && body.n !== 1)
    throw unsupported('n', 'the router gives one answer per request.');
  if (body.tools?.length || body.functions?.length)
    throw unsupported('tools', 'the local providers do not call tools.');
  if (body.stop !== undefined && body.stop !== null && (typeof body.stop === 'string' || body.stop.length))
    throw unsupported('stop', 'the providers take no stop sequences.');
  if (body.response_format && body.response_format.type !== 'text')
    throw unsupported('response_format', "only 'text' answers are produced.");
  const messages: ChatMessageOut[] = body.messages.map((m, i) => {
    if (m.role === 'tool' || m.role === 'function')
      throw new OpenAiHttpError(
        400,
        `messages[${i}] has role '${m.role}': tool results are not supported.`,
        `messages[${i}].role`,
        'unsupported_value',
      );
    return { role: m.role === 'developer' ? 'system' : m.role, content: contentText(m, i) };
  });
  const last = messages[messages.length - 1]!;
  if (last.role !== 'user' || last.content.trim() === '')
    throw new OpenAiHttpError(
      400,
      'The last message must be a non-empty user message: it is the question answered.',
      `messages[${messages.length - 1}]`,
    );
  return {
    messages,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
    temperature: body.temperature ?? null,
    grounded: body.nook?.grounded ?? false,
    k: body.nook?.k ?? DEFAULT_GROUNDED_K,
  };
}

function usageOf(o: ChatOutcome) {
  return {
    prompt_tokens: o.usage.promptTokens,
    completion_tokens: o.usage.completionTokens,
    total_tokens: o.usage.promptTokens + o.usage.completionTokens,
  };
}

function nookFields(o: ChatOutcome) {
  return {
    provider: o.provider,
    status: o.status,
    notice: o.notice,
    citations: o.citations,
    usageSource: o.usage.source,
  };
}

/** Aborted when the client goes away before the response is complete. */
function abortOnClose(req: FastifyRequest, reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  req.raw.once('error', () => ac.abort());
  return ac.signal;
}

/** Headers already set on the reply (security headers, CORS) for a hijacked response. */
function headersOf(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function timestamp(sec: number, sep: ',' | '.'): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
}

/** A transcript in one of OpenAI's response formats: its content type and body. */
export function formatTranscript(
  t: TranscriptOut,
  format: string,
): { type: string; body: string | Record<string, unknown> } {
  switch (format) {
    case 'text':
      return { type: 'text/plain; charset=utf-8', body: `${t.text}\n` };
    case 'srt':
      return {
        type: 'application/x-subrip; charset=utf-8',
        body: t.segments
          .map(
            (g, i) => `${i + 1}\n${timestamp(g.start, ',')} --> ${timestamp(g.end, ',')}\n${g.text.trim()}\n`,
          )
          .join('\n'),
      };
    case 'vtt':
      return {
        type: 'text/vtt; charset=utf-8',
        body: `WEBVTT\n\n${t.segments
          .map((g) => `${timestamp(g.start, '.')} --> ${timestamp(g.end, '.')}\n${g.text.trim()}\n`)
          .join('\n')}`,
      };
    case 'verbose_json':
      return {
        type: 'application/json; charset=utf-8',
        body: {
          task: 'transcribe',
          language: t.language,
          duration: t.durationSec,
          text: t.text,
          segments: t.segments.map((g, id) => ({ id, start: g.start, end: g.end, text: g.text })),
        },
      };
    default:
      return { type: 'application/json; charset=utf-8', body: { text: t.text } };
  }
}
