/**
 * The assistant: asks go through the provider router (failover, notices), grounded in the knowledge
 * base, inside stored conversations, with long-term memory. Answers stream as events:
 * `assistant.delta` per piece of text and `assistant.done` with citations, provider, notice, usage.
 *
 * Provider API keys are read from the keychain (`provider.<id>`) when a request needs them and are
 * handed only to the provider's HTTP client: never to settings, the database, logs or events.
 */
import { AppError } from '../../../shared/ipc/result';
import { toDisposable, type Disposable } from '../../../shared/lifecycle';
import {
  AskInputSchema,
  ProviderSaveSchema,
  type AnswerCitation,
  type AskInput,
  type AssistantSettings,
  type AssistantTask,
  type Message,
  type ProviderConfig,
  type ProviderSave,
  type ProviderStatus,
  type Usage,
} from '../../../shared/types/assistant';
import type { ServiceHealth } from '../../../shared/types/system';
import type { Settings, SettingsPatch } from '../../../shared/types/settings';
import type { EventBus } from '../../rpc/eventBus';
import type { Logger } from '../logging/logger';
import type { Database } from '../storage/database';
import { ConversationStore } from './conversationStore';
import {
  buildPrompt,
  mapCitations,
  relevantPassages,
  type Retriever,
  type RetrievedPassage,
} from './grounding';
import { MemoryStore, type EmbedFn } from './memoryStore';
import { impliedFacts, parseMemoryCommand } from './memoryPatterns';
import { ExtractiveProvider, NOTHING_FOUND } from './providers/extractiveProvider';
import { LocalProvider } from './providers/localProvider';
import { OpenAiProvider, isCloudUrl } from './providers/openaiProvider';
import type { Provider, QueryVector } from './providers/types';
import { Router, type RouteResult } from './router';
import { toSecondPerson } from './text';

export interface SettingsPort {
  get(): Settings;
  update(patch: SettingsPatch): Settings | Promise<Settings>;
  onDidChange(listener: (s: Settings) => void): Disposable;
}

export interface SecretsPort {
  reveal(id: string): Promise<string | null>;
  has(id: string): Promise<boolean>;
  set(id: string, value: string): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface AssistantServiceOptions {
  db: Database;
  settings: SettingsPort;
  secrets: SecretsPort;
  events: EventBus;
  log: Logger;
  /** The knowledge base's search (absent: grounded questions find nothing). */
  retriever?: Retriever;
  /**
   * Query embeddings (normalised) for memory dedup and relevance and for the extractive provider's
   * sentence ranking; absent: hash, word overlap and keywords.
   */
  embed?: EmbedFn;
  /**
   * The id of the model `embed` uses (memories are stored with its vectors): when the search's query
   * vector is of that model, it scores memories too and the question is not embedded again.
   */
  embedModelId?: () => Promise<string | undefined>;
  /** The active local GGUF model file (rejects when none is installed). */
  localModelPath?: () => Promise<string>;
  /** Circuit breaker tuning (tests). */
  router?: { failureThreshold?: number; cooldownMs?: number; backoffBaseMs?: number };
  /** Called when the assistant's health changed (the system service refreshes the status bar). */
  onHealthChanged?: () => void;
}

const EXTRACTIVE_ID = 'extractive';

export class AssistantService implements Disposable {
  readonly conversations: ConversationStore;
  readonly memory: MemoryStore;
  readonly router: Router;
  private readonly providers = new Map<string, { key: string; provider: Provider }>();
  private readonly running = new Map<number, AbortController>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly subscriptions: Disposable[] = [];
  private readonly keyCache = new Map<string, string | null>();
  private readonly extractive: ExtractiveProvider;

  constructor(private readonly o: AssistantServiceOptions) {
    this.conversations = new ConversationStore(o.db);
    this.memory = new MemoryStore(o.db, o.embed);
    // Sentences are ranked by meaning with the same embedding model (in the core: the knowledge
    // worker, off the main thread); without one, by keywords.
    this.extractive = new ExtractiveProvider({ id: EXTRACTIVE_ID, ...(o.embed ? { embed: o.embed } : {}) });
    this.router = new Router({
      chain: (task) => this.chain(task),
      timeouts: () => {
        const a = this.cfg();
        return {
          firstTokenMs: a.firstTokenTimeoutMs,
          totalMs: a.totalTimeoutMs,
          maxRetries: a.maxRetries,
          maxRetryWaitMs: a.maxRetryWaitMs,
        };
      },
      ...o.router,
      onProviderChanged: (e) => {
        o.events.emit('assistant.providerChanged', {
          task: e.task,
          providerId: e.provider.id,
          name: e.provider.name,
          notice: e.notice,
        });
        o.onHealthChanged?.();
      },
      onHealthChanged: () => this.healthChanged(),
    });
    this.subscriptions.push(o.settings.onDidChange(() => this.healthChanged()));
    const recovered = this.conversations.recoverInterrupted();
    if (recovered) o.log.info({ recovered }, 'answers interrupted by the last exit were marked stopped');
  }

  private cfg(): AssistantSettings {
    return this.o.settings.get().assistant;
  }

  // ---- providers ---------------------------------------------------------------------------------

  private providerFor(c: ProviderConfig): Provider {
    // Order and enabled do not change the provider itself: keep a warm local model across reorders.
    const { order: _order, enabled: _enabled, ...identity } = c;
    const key = JSON.stringify(identity);
    const have = this.providers.get(c.id);
    if (have && have.key === key) return have.provider;
    void have?.provider.dispose?.();
    let provider: Provider;
    if (c.kind === 'extractive') provider = this.extractive;
    else if (c.kind === 'local-gguf') {
      const modelPath = this.o.localModelPath;
      provider = new LocalProvider({
        id: c.id,
        name: c.name,
        ...(c.contextSize ? { contextSize: c.contextSize } : {}),
        timeouts: () => ({
          firstTokenMs: this.cfg().localFirstTokenTimeoutMs,
          totalMs: this.cfg().localTotalTimeoutMs,
        }),
        modelPath: modelPath ?? (() => Promise.reject(new Error('No local language model is installed.'))),
      });
    } else {
      if (!c.baseUrl || !c.model)
        throw new AppError('INVALID_INPUT', `Provider ${c.name} needs a base URL and a model name.`);
      provider = new OpenAiProvider({
        id: c.id,
        name: c.name,
        baseUrl: c.baseUrl,
        model: c.model,
        ...(c.contextSize ? { contextSize: c.contextSize } : {}),
        getKey: () => this.key(c.id),
      });
    }
    this.providers.set(c.id, { key, provider });
    return provider;
  }

  private async key(providerId: string): Promise<string | null> {
    if (this.keyCache.has(providerId)) return this.keyCache.get(providerId)!;
    const v = await this.o.secrets.reveal(`provider.${providerId}`).catch(() => null);
    this.keyCache.set(providerId, v);
    return v;
  }

  private isCloud(c: ProviderConfig): boolean {
    return c.kind === 'openai-compatible' && (!c.baseUrl || isCloudUrl(c.baseUrl));
  }

  private blockedReason(c: ProviderConfig): string | null {
    if (!c.enabled) return 'disabled';
    if (this.isCloud(c) && !this.o.settings.get().privacy.allowCloudProviders)
      return 'cloud providers are off (Settings → Privacy)';
    return null;
  }

  /** The providers a task tries, in order: enabled, allowed by privacy, extractive last for answers. */
  chain(task: AssistantTask): Provider[] {
    const a = this.cfg();
    const byId = new Map(a.providers.map((p) => [p.id, p]));
    const ids = a.chains[task].length
      ? a.chains[task]
      : [...a.providers].sort((x, y) => x.order - y.order).map((p) => p.id);
    const out: Provider[] = [];
    for (const id of ids) {
      const c = byId.get(id);
      if (!c || this.blockedReason(c)) continue;
      if (c.kind === 'extractive' && task === 'extractFacts') continue;
      try {
        out.push(this.providerFor(c));
      } catch (e) {
        this.o.log.warn({ provider: c.id, err: e }, 'provider misconfigured');
      }
    }
    if (task !== 'extractFacts' && !out.some((p) => p.kind === 'extractive')) out.push(this.extractive);
    if (task !== 'extractFacts') {
      // The extractive fallback always goes last.
      const i = out.findIndex((p) => p.kind === 'extractive');
      out.push(...out.splice(i, 1));
    }
    return out;
  }

  async listProviders(): Promise<ProviderStatus[]> {
    const a = this.cfg();
    const out: ProviderStatus[] = [];
    for (const c of [...a.providers].sort((x, y) => x.order - y.order)) {
      const h = this.router.health(c.id);
      const blocked = this.blockedReason(c);
      out.push({
        ...c,
        hasKey:
          c.kind === 'openai-compatible'
            ? await this.o.secrets.has(`provider.${c.id}`).catch(() => false)
            : false,
        cloud: this.isCloud(c),
        breaker: h.breaker,
        state: !c.enabled
          ? 'disabled'
          : blocked
            ? 'blocked'
            : h.breaker !== 'closed' || h.lastError
              ? 'failing'
              : h.lastOkAt
                ? 'ok'
                : 'unknown',
        detail:
          blocked ??
          (h.lastError ? `Last failure: ${h.lastError}` : h.lastOkAt ? 'Answering' : 'Not used yet'),
      });
    }
    return out;
  }

  async saveProvider(input: ProviderSave): Promise<ProviderStatus> {
    const req = ProviderSaveSchema.parse(input);
    const a = this.cfg();
    const id =
      req.id ??
      uniqueId(
        req.name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-+|-+$/g, '')
          .slice(0, 40) || 'provider',
        new Set(a.providers.map((p) => p.id)),
      );
    if (req.kind === 'openai-compatible' && (!req.baseUrl || !req.model))
      throw new AppError('INVALID_INPUT', 'An OpenAI-compatible provider needs a base URL and a model name.');
    const existing = a.providers.find((p) => p.id === id);
    const next: ProviderConfig = {
      id,
      kind: req.kind,
      name: req.name,
      ...(req.baseUrl ? { baseUrl: req.baseUrl } : {}),
      ...(req.model ? { model: req.model } : {}),
      ...(req.contextSize ? { contextSize: req.contextSize } : {}),
      enabled: req.enabled ?? existing?.enabled ?? true,
      order: existing?.order ?? Math.max(-1, ...a.providers.map((p) => p.order)) + 1,
    };
    if (req.apiKey !== undefined) {
      if (req.apiKey) await this.o.secrets.set(`provider.${id}`, req.apiKey);
      else await this.o.secrets.delete(`provider.${id}`).catch(() => undefined);
      this.keyCache.delete(id);
    }
    const providers = existing ? a.providers.map((p) => (p.id === id ? next : p)) : [...a.providers, next];
    await this.o.settings.update({ assistant: { providers } });
    return (await this.listProviders()).find((p) => p.id === id)!;
  }

  async removeProvider(id: string): Promise<{ removed: boolean }> {
    const a = this.cfg();
    if (!a.providers.some((p) => p.id === id)) return { removed: false };
    const chains = Object.fromEntries(
      Object.entries(a.chains).map(([t, ids]) => [t, ids.filter((x) => x !== id)]),
    ) as AssistantSettings['chains'];
    await this.o.settings.update({
      assistant: { providers: a.providers.filter((p) => p.id !== id), chains },
    });
    await this.o.secrets.delete(`provider.${id}`).catch(() => undefined);
    this.keyCache.delete(id);
    const have = this.providers.get(id);
    this.providers.delete(id);
    await have?.provider.dispose?.();
    return { removed: true };
  }

  async reorderProviders(ids: readonly string[]): Promise<ProviderStatus[]> {
    const a = this.cfg();
    const rank = new Map(ids.map((id, i) => [id, i]));
    const sorted = [...a.providers].sort(
      (x, y) => (rank.get(x.id) ?? 1000 + x.order) - (rank.get(y.id) ?? 1000 + y.order),
    );
    await this.o.settings.update({ assistant: { providers: sorted.map((p, i) => ({ ...p, order: i })) } });
    return this.listProviders();
  }

  async testProvider(id: string): Promise<{ ok: boolean; message: string }> {
    const c = this.cfg().providers.find((p) => p.id === id);
    if (!c) throw new AppError('NOT_FOUND', `No provider ${id}.`);
    this.keyCache.delete(id);
    return this.router.probe(this.providerFor(c));
  }

  /** Secrets changed elsewhere (secrets.set / delete): forget cached keys. */
  secretsChanged(id: string): void {
    if (id.startsWith('provider.')) this.keyCache.delete(id.slice('provider.'.length));
  }

  /** Probes the chat chain once (on start), so the status bar knows before the first question. */
  async probe(): Promise<void> {
    await this.router.probeAll(['chat']).catch(() => undefined);
  }

  health(): ServiceHealth {
    const chain = this.chain('chat');
    const first = chain[0]!;
    const failing = chain.filter((p) => this.router.health(p.id).breaker !== 'closed');
    const healthy = chain.find((p) => this.router.health(p.id).breaker === 'closed') ?? this.extractive;
    const state =
      failing.length === 0
        ? 'ok'
        : healthy.kind === 'extractive' && first.kind !== 'extractive'
          ? 'degraded'
          : 'ok';
    const detail =
      `Answers with ${healthy.name}` +
      (failing.length ? `; ${failing.map((p) => p.name).join(', ')} failing` : '') +
      (healthy.kind === 'extractive' ? ' (no language model)' : '');
    return { id: 'assistant', label: 'Assistant', state, detail };
  }

  private healthChanged(): void {
    void this.listProviders().then(
      (providers) => this.o.events.emit('assistant.health', { providers }),
      () => undefined,
    );
    this.o.onHealthChanged?.();
  }

  // ---- asking ------------------------------------------------------------------------------------

  ask(input: AskInput): { conversationId: number; userMessageId: number; messageId: number } {
    const req = AskInputSchema.parse(input);
    let conversationId = req.conversationId;
    if (conversationId !== undefined && !this.conversations.exists(conversationId))
      throw new AppError('NOT_FOUND', `No conversation ${conversationId}.`);
    conversationId ??= this.conversations.create(req.text.replace(/\s+/g, ' ').slice(0, 60));
    const userMessageId = this.conversations.addMessage(conversationId, 'user', req.text, 'done');
    const messageId = this.conversations.addMessage(conversationId, 'assistant', '', 'streaming');
    const ac = new AbortController();
    this.running.set(messageId, ac);
    const cid = conversationId;
    const p = this.answer(cid, messageId, req.text, req.grounded, ac.signal)
      .catch((e: unknown) => {
        const message = e instanceof AppError ? e.message : 'The assistant failed; see the log.';
        if (!(e instanceof AppError)) this.o.log.error({ err: e }, 'answer failed');
        this.finish(cid, messageId, {
          content: '',
          status: 'error',
          provider: null,
          notice: message,
          citations: [],
          usage: null,
          error: message,
        });
      })
      .finally(() => {
        this.running.delete(messageId);
        this.pending.delete(p);
      });
    this.pending.add(p);
    return { conversationId, userMessageId, messageId };
  }

  /** Background work that `idle()` and `dispose()` wait for. */
  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  stop(messageId: number): { stopped: boolean } {
    const ac = this.running.get(messageId);
    if (!ac) return { stopped: false };
    ac.abort();
    return { stopped: true };
  }

  /** Resolves when every answer in flight has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private finish(
    conversationId: number,
    messageId: number,
    m: {
      content: string;
      status: Message['status'];
      provider: string | null;
      notice: string | null;
      citations: AnswerCitation[];
      usage: Usage | null;
      error: string | null;
    },
  ): void {
    this.conversations.finishMessage(messageId, m);
    this.o.events.emit('assistant.done', { conversationId, messageId, ...m });
  }

  /** A reply that needs no model (memory commands, nothing found): streamed as one delta. */
  private reply(conversationId: number, messageId: number, text: string): void {
    this.o.events.emit('assistant.delta', { conversationId, messageId, delta: text });
    this.finish(conversationId, messageId, {
      content: text,
      status: 'done',
      provider: null,
      notice: null,
      citations: [],
      usage: null,
      error: null,
    });
  }

  private async answer(
    conversationId: number,
    messageId: number,
    text: string,
    grounded: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const command = parseMemoryCommand(text);
    if (command?.kind === 'remember') {
      const { memory, duplicate } = await this.memory.remember(command.fact, conversationId);
      return this.reply(
        conversationId,
        messageId,
        duplicate
          ? `I already know that ${toSecondPerson(memory.text)}.`
          : `Okay, I will remember that ${toSecondPerson(memory.text)}.`,
      );
    }
    if (command?.kind === 'forget') {
      const gone = await this.memory.forget(command.about, conversationId);
      return this.reply(
        conversationId,
        messageId,
        gone ? `Okay, I have forgotten that ${toSecondPerson(gone.text)}.` : 'There was nothing to forget.',
      );
    }
    for (const fact of impliedFacts(text)) await this.memory.remember(fact, conversationId);

    let passages: RetrievedPassage[] = [];
    let queryVector: QueryVector | undefined;
    const retriever = this.o.retriever;
    if (grounded && retriever) {
      // The search's own query vector comes back with the passages' stored sentence vectors: the
      // extractive answer ranks sentences with them and runs no model.
      const got = await (
        retriever.retrieve
          ? retriever.retrieve(text, 8)
          : retriever.search(text, 8).then((p) => ({ passages: p, queryVector: null }))
      ).catch((e: unknown) => {
        this.o.log.warn({ err: e }, 'retrieval failed; answering without documents');
        return { passages: [] as RetrievedPassage[], queryVector: null };
      });
      passages = relevantPassages(text, got.passages);
      queryVector = got.queryVector ?? undefined;
    }
    // Memories are scored with the search's query vector when it is of `embed`'s model: no second
    // run for the question. (In an extractive answer, remembered facts have no stored sentence
    // vectors: the provider embeds them with the question, a few short texts.)
    const sameModel =
      queryVector !== undefined &&
      (await this.o.embedModelId?.().catch(() => undefined)) === queryVector.modelId;
    const memories = (await this.memory.relevant(text, 5, sameModel ? queryVector!.vector : undefined)).map(
      (m) => m.text,
    );
    if (grounded && passages.length === 0 && memories.length === 0)
      return this.reply(conversationId, messageId, NOTHING_FOUND);

    const history = this.conversations.history(conversationId, messageId - 1);
    let citations: AnswerCitation[] = [];
    const result: RouteResult = await this.router.route({
      task: 'chat',
      signal,
      build: async (provider) => {
        const built = await buildPrompt({
          provider,
          question: text,
          history,
          passages,
          memories,
          grounded,
          maxAnswerTokens: Math.min(512, Math.floor(provider.contextSize / 4)),
        });
        citations = built.citations;
        return {
          messages: built.messages,
          question: text,
          passages: built.passages,
          ...(queryVector ? { queryVector } : {}),
          maxTokens: Math.min(512, Math.floor(provider.contextSize / 4)),
        };
      },
      onDelta: (delta) => {
        this.o.events.emit('assistant.delta', { conversationId, messageId, delta });
      },
    });
    let content = result.text;
    if (result.status === 'done' && grounded) {
      const mapped = mapCitations(content, citations);
      citations = mapped.citations;
      if (mapped.appended) {
        content += mapped.appended;
        this.o.events.emit('assistant.delta', { conversationId, messageId, delta: mapped.appended });
      }
    } else citations = mapCitations(content, citations).citations;
    this.finish(conversationId, messageId, {
      content,
      status: result.status,
      provider: result.provider.name,
      notice: result.notice,
      citations,
      usage: result.usage,
      error: null,
    });
    if (result.status === 'done' && this.cfg().llmMemoryExtraction && /\b(I|my|me|I'm)\b/i.test(text))
      this.track(
        this.extractFacts(text, conversationId).catch((e: unknown) =>
          this.o.log.warn({ err: e }, 'fact extraction failed'),
        ),
      );
  }

  /** Facts about the user by the language model (the extractFacts chain; none without a model). */
  private async extractFacts(text: string, conversationId: number): Promise<void> {
    if (this.chain('extractFacts').length === 0) return;
    const res = await this.router.route({
      task: 'extractFacts',
      build: () => ({
        messages: [
          {
            role: 'system',
            content:
              'Extract lasting facts the user states about themself or their life. One per line, each starting ' +
              'with "- " and written in the first person ("my ...", "I ..."). If there are none, answer NONE.',
          },
          { role: 'user', content: text },
        ],
        question: text,
        passages: [],
        maxTokens: 128,
      }),
    });
    if (res.status !== 'done') return;
    const userWords = new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
    for (const line of res.text.split('\n')) {
      const fact = line.replace(/^\s*[-*•]\s*/, '').trim();
      if (!fact || /^none\b/i.test(fact) || fact.length > 200) continue;
      // Keep only facts grounded in what the user said (a small model may invent).
      const words = (fact.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 2);
      const shared = words.filter((w) => userWords.has(w)).length;
      if (shared >= Math.max(2, Math.ceil(words.length * 0.6)))
        await this.memory.remember(fact, conversationId);
    }
  }

  async dispose(): Promise<void> {
    for (const ac of this.running.values()) ac.abort();
    await this.idle();
    this.router.dispose();
    for (const s of this.subscriptions) s.dispose();
    for (const { provider } of this.providers.values()) await provider.dispose?.();
    this.providers.clear();
  }

  /** A disposable handle for the composition root. */
  asDisposable(): Disposable {
    return toDisposable(() => void this.dispose());
  }
}

function uniqueId(base: string, taken: ReadonlySet<string>): string {
  const b = /^[a-z]/.test(base) ? base : `p-${base}`;
  if (!taken.has(b)) return b;
  for (let i = 2; ; i++) if (!taken.has(`${b}-${i}`)) return `${b}-${i}`;
}
