/**
 * The OpenAI-compatible routes' dependencies, from the real core:
 *
 * - embeddings: the knowledge base's embedding model in the knowledge worker (`core.embeddings`),
 *   so a vector from `/v1/embeddings` is the vector the app stores (kind `document`, the default) or
 *   searches with (kind `query`); token counts with the model's own tokenizer, before truncation.
 * - chat: the assistant's router (`assistant.router.route({ task: 'chat' })`): its provider chain,
 *   timeouts, retries, failover and notices. Grounded requests use the app's retrieval (hybrid
 *   search), relevance gate, prompt builder and citation mapping (services/assistant/grounding).
 * - transcriptions: the voice engine's whisper through `transcribeFile` (sox decode, VAD, windows).
 * - speech: the voice service's text to speech (Piper, else espeak-ng; the engine Settings chose),
 *   one utterance at a time (a new utterance would interrupt the one being made).
 */
import { readFile } from 'node:fs/promises';
import { AppError } from '../../shared/ipc/result';
import { Tokenizer } from '@huggingface/tokenizers';
import type { Core } from '../core';
import {
  buildPrompt,
  knowledgeRetriever,
  mapCitations,
  relevantPassages,
  type RetrievedPassage,
} from '../services/assistant/grounding';
import { NOTHING_FOUND } from '../services/assistant/providers/extractiveProvider';
import type { ChatMessage, Provider, QueryVector } from '../services/assistant/providers/types';
import { transcribeFile } from '../services/voice/transcriber';
import type { ModelSpec } from '../workers/knowledgeProtocol';
import {
  NOOK_MODEL_ID,
  type ChatCall,
  type ChatCitation,
  type ChatOutcome,
  type EmbedKind,
  type OpenAiDeps,
  type OpenAiModelInfo,
} from './openai';

/** Default answer budget, as the app's Ask screen uses (tokens). */
const DEFAULT_ANSWER_TOKENS = 512;

export function openAiDepsFromCore(core: Core, startedAt = Math.floor(Date.now() / 1000)): OpenAiDeps {
  const tokenizers = new Map<string, Promise<Tokenizer>>();
  const tokenizerFor = (spec: ModelSpec): Promise<Tokenizer> => {
    let t = tokenizers.get(spec.id);
    if (!t) {
      t = readFile(spec.tokenizerPath, 'utf8').then((text) => {
        const json = JSON.parse(text) as Record<string, unknown>;
        const normalizer = json.normalizer as { lowercase?: boolean } | null | undefined;
        // The same config the embedder derives (services/inference/embedder.ts).
        return new Tokenizer(json, {
          do_lower_case: normalizer?.lowercase ?? false,
          clean_up_tokenization_spaces: true,
          model_max_length: 512,
        });
      });
      tokenizers.set(spec.id, t);
      t.catch(() => tokenizers.delete(spec.id));
    }
    return t;
  };

  let speaking: Promise<unknown> = Promise.resolve();

  return {
    async listModels() {
      const statuses = await core.models.list();
      const served = (s: (typeof statuses)[number]) =>
        s.active && (s.state === 'ready' || s.state === 'unverified');
      const out: OpenAiModelInfo[] = [
        {
          id: NOOK_MODEL_ID,
          task: 'chat',
          displayName: `Nook assistant (${core.assistant
            .chain('chat')
            .map((p) => p.name)
            .join(' → ')})`,
          created: startedAt,
          ownedBy: 'nook',
        },
      ];
      for (const s of statuses) {
        if (!served(s)) continue;
        if (s.task === 'embedding' || s.task === 'stt' || s.task === 'tts')
          out.push({
            id: s.id,
            task: s.task,
            displayName: s.displayName,
            created: startedAt,
            ownedBy: 'nook',
          });
      }
      // Without a Piper voice the voice service speaks with espeak-ng.
      if (!out.some((m) => m.task === 'tts'))
        out.push({
          id: 'espeak-ng',
          task: 'tts',
          displayName: 'espeak-ng',
          created: startedAt,
          ownedBy: 'espeak-ng',
        });
      return out;
    },

    async embeddingModel() {
      const spec = await core.embeddings.model();
      return { id: spec.id, dimension: spec.params.dimension, maxTokens: spec.params.maxTokens };
    },

    async countEmbeddingTokens(texts, kind: EmbedKind) {
      const spec = await core.embeddings.model();
      const tokenizer = await tokenizerFor(spec);
      const prefix = (kind === 'query' ? spec.params.queryPrefix : spec.params.documentPrefix) ?? '';
      // In slices, yielding between them: tokenising is JavaScript on the host's thread.
      const counts: number[] = [];
      for (let i = 0; i < texts.length; i++) {
        if (i > 0 && i % 32 === 0) await new Promise((r) => setImmediate(r));
        counts.push(tokenizer.encode(prefix + texts[i]!).ids.length);
      }
      return counts;
    },

    async embed(texts, kind, signal) {
      return (await core.embeddings.embed(texts, kind, signal)).vectors;
    },

    chat: (call, onDelta, signal) => chat(core, call, onDelta, signal),

    async transcribe(file, options, signal) {
      const engine = await core.voice.engine();
      const language = options.language ?? core.settings.get().voice.language;
      const r = await transcribeFile(engine, file, {
        language,
        ...(options.prompt ? { prompt: options.prompt } : {}),
        signal,
      });
      return { text: r.text, language, durationSec: r.durationSec, segments: r.segments };
    },

    async speak(text, signal) {
      // One utterance at a time: the voice service stops whatever it is saying when asked again.
      const run = speaking.then(async () => {
        if (signal.aborted) throw new AppError('CANCELLED', 'The client went away.');
        const r = await core.voice.speak(text, false);
        return { wav: r.wav, engine: r.engine, sampleRate: r.sampleRate };
      });
      speaking = run.catch(() => undefined);
      return run;
    },
  };
}

async function chat(
  core: Core,
  call: ChatCall,
  onDelta: (text: string) => void,
  signal: AbortSignal,
): Promise<ChatOutcome> {
  const question = call.messages[call.messages.length - 1]!.content;
  const earlier = call.messages.slice(0, -1);
  const clientSystem = earlier
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const history = earlier.filter(
    (m): m is ChatMessage & { role: 'user' | 'assistant' } => m.role !== 'system',
  );

  let passages: RetrievedPassage[] = [];
  let queryVector: QueryVector | null = null;
  if (call.grounded) {
    // The search's query vector rides along, so the extractive fallback ranks sentences without a model run.
    const got = await knowledgeRetriever(core.knowledge).retrieve!(question, call.k);
    passages = relevantPassages(question, got.passages);
    queryVector = got.queryVector;
    // The app's answer when nothing relevant is found: no model invents one.
    if (passages.length === 0) {
      onDelta(NOTHING_FOUND);
      return {
        text: NOTHING_FOUND,
        provider: null,
        status: 'done',
        notice: null,
        citations: [],
        usage: { promptTokens: 0, completionTokens: 0, source: 'none' },
      };
    }
  }

  let citations: ChatCitation[] = [];
  let answerTokens = DEFAULT_ANSWER_TOKENS;
  let prompt: ChatMessage[] = [];
  const result = await core.assistant.router.route({
    task: 'chat',
    signal,
    onDelta,
    build: async (provider) => {
      answerTokens = Math.max(
        16,
        Math.min(call.maxTokens ?? DEFAULT_ANSWER_TOKENS, Math.floor(provider.contextSize / 2)),
      );
      if (call.grounded) {
        const built = await buildPrompt({
          provider,
          question,
          history,
          passages,
          memories: [],
          grounded: true,
          maxAnswerTokens: answerTokens,
        });
        citations = built.citations;
        prompt = built.messages;
        if (clientSystem) prompt[0] = { role: 'system', content: `${prompt[0]!.content}\n\n${clientSystem}` };
        return {
          messages: prompt,
          question,
          passages: built.passages,
          ...(queryVector ? { queryVector } : {}),
          maxTokens: answerTokens,
          ...(call.temperature !== null ? { temperature: call.temperature } : {}),
        };
      }
      prompt = await fitMessages(provider, call.messages, answerTokens);
      return {
        messages: prompt,
        question,
        passages: [],
        maxTokens: answerTokens,
        ...(call.temperature !== null ? { temperature: call.temperature } : {}),
      };
    },
  });

  let text = result.text;
  if (call.grounded) {
    const mapped = mapCitations(text, citations);
    citations = mapped.citations;
    if (result.status === 'done' && mapped.appended) {
      text += mapped.appended;
      onDelta(mapped.appended);
    }
  }
  let usage: ChatOutcome['usage'];
  if (result.usage) usage = { ...result.usage };
  else {
    const [p, c] = await result.provider.countTokens([prompt.map((m) => m.content).join('\n'), text]);
    usage = { promptTokens: p ?? 0, completionTokens: c ?? 0, source: 'tokenizer' };
  }
  return {
    text,
    provider: { id: result.provider.id, name: result.provider.name, kind: result.provider.kind },
    status: result.status,
    notice: result.notice,
    citations,
    usage,
  };
}

/**
 * The client's conversation within the provider's context: system messages and the question always,
 * then as many earlier turns as fit, newest first.
 */
export async function fitMessages(
  provider: Pick<Provider, 'contextSize' | 'countTokens'>,
  messages: readonly ChatMessage[],
  answerTokens: number,
): Promise<ChatMessage[]> {
  const budget = Math.max(64, provider.contextSize - answerTokens - 32);
  const counts = await provider.countTokens(messages.map((m) => m.content));
  const last = messages.length - 1;
  const keep = new Set<number>([last]);
  let used = counts[last]! + 4;
  messages.forEach((m, i) => {
    if (m.role === 'system' && i !== last) {
      keep.add(i);
      used += counts[i]! + 4;
    }
  });
  for (let i = last - 1; i >= 0; i--) {
    if (keep.has(i)) continue;
    const c = counts[i]! + 4;
    if (used + c > budget) break;
    used += c;
    keep.add(i);
  }
  return messages.filter((_, i) => keep.has(i)).map((m) => ({ role: m.role, content: m.content }));
}
