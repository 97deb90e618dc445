/**
 * Builds every Electron-free service and the route handlers over them. Both composition roots use it:
 * the Electron main process (src/main/index.ts) and the headless host (src/main/host/serve.ts).
 * Services are disposed in reverse order of creation.
 */
import path from 'node:path';
import fs from 'node:fs';
import { DisposableStore } from '../shared/lifecycle';
import type { HotkeyState } from '../shared/types/system';
import { EventBus } from './rpc/eventBus';
import { createDispatcher, type Dispatcher } from './rpc/dispatcher';
import { createHandlers, type DesktopShell } from './rpc/handlers';
import { openDatabase, type Database } from './services/storage/database';
import { SettingsService, type SettingsBackend } from './services/settings/settingsService';
import { ConfSettingsBackend } from './services/settings/confBackend';
import { SecretStore, type KeychainBackend, type SecretStoreOptions } from './services/secrets/secretStore';
import { KeytarBackend } from './services/secrets/keytarBackend';
import { createLogger, type Logger } from './services/logging/logger';
import { SystemService } from './services/system/systemService';
import { ModelManager, settingsPort } from './services/models/modelManager';
import { loadManifest } from './services/models/bundledManifest';
import { createVectorStack } from './services/vectors';
import { KnowledgeService } from './services/knowledge/knowledgeService';
import { KnowledgeWorkerClient } from './services/knowledge/workerClient';
import { modelManagerSource } from './services/knowledge/modelSource';
import { AssistantService } from './services/assistant/assistantService';
import { knowledgeRetriever } from './services/assistant/grounding';
import { PluginService } from './services/plugins/pluginService';
import { pluginPorts } from './services/plugins/corePorts';
import { VoiceService } from './services/voice/voiceService';
import { VoiceWorkerClient } from './services/voice/workerClient';
import { voiceModels } from './services/voice/modelSource';
import { ELEVENLABS_SECRET_ID } from './services/voice/tts';
import { isRouteName } from '../shared/ipc/channels';
import { MetricsService } from './services/metrics/metricsService';
import { instrumentEmbedder, instrumentSearch, instrumentSpeechToText } from './services/metrics/instrument';
import { BriefingService } from './services/briefing/briefingService';
import { routerSummariser } from './services/briefing/summarise';
import { BriefingIndexWorker } from './services/briefing/indexWorker';
import { systemTimeZone } from './services/briefing/time';
import type { ModelSpec } from './workers/knowledgeProtocol';
import type { EmbedKind } from './services/inference/embedder';
import { ApiTokenService } from './services/apiTokens/apiTokenService';

export interface CoreOptions {
  mode: 'desktop' | 'host';
  dataDir: string;
  version: string;
  /** electron-store inside Electron; conf (plain Node) otherwise. */
  settingsBackend?: SettingsBackend;
  /** The OS keychain through keytar unless the shell supplies another (safeStorage fallback). */
  keychain?: KeychainBackend;
  /** The desktop shell reports its global hotkeys; the host has none. */
  hotkeys?: () => HotkeyState[];
  /** The desktop shell's file picker and "open with the system app"; the host has neither. */
  desktop?: DesktopShell;
  /** Extra versions for diagnostics (electron, chrome). */
  versions?: Record<string, string>;
  logToStdout?: boolean;
  /** Keychain service name and tester URLs (tests use a throwaway service name). */
  secretStore?: SecretStoreOptions;
  /**
   * Local models: `<dataDir>/models` unless `dir` or NOOK_MODELS_DIR says otherwise (a dev checkout can
   * reuse its `models/`); `repoRoot` enables the manifest's local and convert sources.
   */
  models?: { dir?: string; repoRoot?: string; cacheDir?: string };
}

export interface Core {
  options: CoreOptions;
  log: Logger;
  events: EventBus;
  db: Database;
  settings: SettingsService;
  secrets: SecretStore;
  system: SystemService;
  models: ModelManager;
  knowledge: KnowledgeService;
  assistant: AssistantService;
  plugins: PluginService;
  voice: VoiceService;
  /** The daily briefing and reminders. */
  briefing: BriefingService;
  /** Prometheus registry (`/metrics`) and the Diagnostics snapshot; one per core. */
  metrics: MetricsService;
  /**
   * The knowledge base's embedding model (the one new documents are embedded with), for callers
   * outside the knowledge service: the OpenAI-compatible API embeds with the app's own vectors.
   */
  embeddings: {
    model(): Promise<ModelSpec>;
    embed(
      texts: string[],
      kind: EmbedKind,
      signal?: AbortSignal,
    ): Promise<{ model: ModelSpec; vectors: Float32Array[] }>;
  };
  /** Local API tokens (values in the keychain, metadata in SQLite). */
  apiTokens: ApiTokenService;
  dispatcher: Dispatcher;
  dispose(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const store = new DisposableStore();
  fs.mkdirSync(options.dataDir, { recursive: true });
  const events = new EventBus();
  const metrics = store.add(new MetricsService());
  store.add(metrics.watch(events));

  const secrets = new SecretStore(options.keychain ?? new KeytarBackend(), events, options.secretStore);
  const log = createLogger({
    file: path.join(options.dataDir, 'logs', 'nook.log'),
    redactor: secrets.redactor,
    stdout: options.logToStdout ?? false,
  });
  store.add({ dispose: () => log.close() });

  try {
    const settings = store.add(
      new SettingsService(options.settingsBackend ?? new ConfSettingsBackend(options.dataDir), events, log),
    );
    log.setLevel(settings.get().logging.level);
    store.add(settings.onDidChange((s) => log.setLevel(s.logging.level)));

    const db = openDatabase(path.join(options.dataDir, 'nook.db'));
    store.add({ dispose: () => void db.close() });

    const system = store.add(
      new SystemService({
        mode: options.mode,
        version: options.version,
        dataDir: options.dataDir,
        versions: options.versions ?? {},
        db,
        settings,
        secrets,
        log,
        events,
      }),
    );

    const modelsDir =
      options.models?.dir ?? (process.env.NOOK_MODELS_DIR?.trim() || path.join(options.dataDir, 'models'));
    const models = store.add(
      new ModelManager({
        manifest: loadManifest(),
        modelsDir,
        repoRoot: options.models?.repoRoot,
        cacheDir: options.models?.cacheDir,
        events,
        settings: settingsPort(settings),
        log,
      }),
    );
    store.add(system.registerHealth('models', () => models.health()));
    // A download starting, finishing or failing changes the models health at once (not at the next poll).
    store.add(events.on('models.progress', () => void system.refresh()));
    void models.list().then(
      () => system.refresh(),
      (e: unknown) => log.warn({ err: e }, 'checking local models failed'),
    );

    // Knowledge base: the embedded vector index (SQLite is the source of truth; a Qdrant mirror can be
    // given to the VectorService), the parse/chunk/embed worker, and the ingest + search service.
    const vectorLog = {
      debug: (msg: string) => log.debug({}, msg),
      info: (msg: string) => log.info({}, msg),
      warn: (msg: string) => log.warn({}, msg),
      error: (msg: string) => log.error({}, msg),
    };
    // Qdrant runs as a sidecar when its binary is found (or a remote Qdrant is configured); SQLite's
    // embedded index answers whenever Qdrant is missing, down or still catching up.
    const vectorSettings = settings.get().vectors;
    const remoteKey = vectorSettings.qdrantUrl
      ? await secrets.reveal('qdrant.remoteApiKey').catch(() => null)
      : null;
    const vectorStack = store.add(
      createVectorStack({
        db,
        dataDir: options.dataDir,
        secrets,
        logger: vectorLog,
        qdrant: {
          mode: vectorSettings.qdrant,
          binaryPath: vectorSettings.qdrantBinaryPath,
          url: vectorSettings.qdrantUrl,
          apiKey: remoteKey,
        },
      }),
    );
    const vectors = vectorStack.service;
    vectorStack.start();
    store.add(system.registerHealth('vectors', () => vectors.health()));
    store.add(system.registerHealth('sidecar', () => vectors.mirrorHealth()));
    store.add(vectors.onDidChangeHealth(() => void system.refresh()));
    const knowledgeWorker = new KnowledgeWorkerClient();
    store.add(instrumentEmbedder(metrics, knowledgeWorker));
    store.add({ dispose: () => knowledgeWorker.dispose() });
    const knowledge = store.add(
      new KnowledgeService({
        db,
        vectors,
        worker: knowledgeWorker,
        models: modelManagerSource(models, modelsDir),
        events,
        log,
        // Chunks indexed before sentence vectors existed get them in the background (extractive answers).
        backfillSentences: true,
      }),
    );
    store.add(instrumentSearch(metrics, knowledge));
    knowledge.start();
    store.add(system.registerKnowledge(() => knowledge.diagnostics()));
    // Choosing another embedding model re-embeds the library in the background.
    store.add(events.on('settings.changed', () => void knowledge.modelMaybeChanged()));
    store.add(events.on('models.progress', () => void knowledge.modelMaybeChanged()));
    const embeddings: Core['embeddings'] = {
      model: () => knowledge.ensureModel(),
      async embed(texts, kind, signal) {
        const model = await knowledge.ensureModel();
        return { model, vectors: await knowledgeWorker.embed(model.id, texts, kind, signal) };
      },
    };

    // The assistant: provider router, grounded answers from the knowledge base, conversations, memory.
    const embeddingSource = modelManagerSource(models, modelsDir);
    const assistant = new AssistantService({
      db,
      settings,
      secrets,
      events,
      log,
      retriever: knowledgeRetriever(knowledge),
      embed: async (texts) => {
        const spec = await embeddingSource.current();
        if (!knowledgeWorker.hasModel(spec.id)) await knowledgeWorker.load(spec);
        return knowledgeWorker.embed(spec.id, texts, 'query');
      },
      embedModelId: async () => (await embeddingSource.current()).id,
      localModelPath: async () => {
        const r = await models.resolve('llm');
        const file = Object.values(r.files).find((f) => f.endsWith('.gguf'));
        if (!file) throw new Error(`The language model ${r.id} has no .gguf file.`);
        return file;
      },
      onHealthChanged: () => void system.refresh(),
    });
    store.add({ dispose: () => assistant.dispose() });
    store.add(system.registerHealth('assistant', () => assistant.health()));
    store.add(events.on('secrets.changed', ({ id }) => assistant.secretsChanged(id)));
    store.add(metrics.trackProviders(() => assistant.listProviders(), events));
    void assistant.probe();

    // Voice: capture (child process) -> VAD + whisper + intent embedder in the voice worker.
    const voice = new VoiceService({
      engine: async () =>
        instrumentSpeechToText(
          metrics,
          new VoiceWorkerClient(await voiceModels(models, settings.get().voice.language)),
        ),
      settings: () => settings.get().voice,
      allowCloud: () => settings.get().privacy.allowCloudProviders,
      elevenlabsKey: () => secrets.reveal(ELEVENLABS_SECRET_ID),
      db,
      events,
      search: (input) => knowledge.search(input),
      playback: options.mode === 'desktop' ? 'system' : 'none',
      log,
      // The briefing is built below; voice only calls it later, when something is said.
      reminders: { create: (input) => briefing.reminders.create(input) },
      briefing: { script: () => briefing.script() },
    });
    store.add({ dispose: () => voice.dispose() });

    // Plugins: sandboxed WebAssembly (Extism, one worker each); host functions reach the knowledge
    // base, notes and notices. A plugin that fails to load is reported in its entry, not fatal.
    const plugins = store.add(
      new PluginService({
        db,
        root: path.join(options.dataDir, 'plugins'),
        log,
        redact: (text) => secrets.redactor.redact(text),
        ports: pluginPorts({ knowledge, events, notesDir: path.join(options.dataDir, 'notes') }),
        intents: voice,
        onHealthChanged: () => void system.refresh(),
      }),
    );
    store.add(system.registerHealth('plugins', () => plugins.health()));
    void plugins.start().catch((e: unknown) => log.warn({ err: e }, 'starting plugins failed'));

    // The daily briefing and reminders: on the settings' schedule (a missed one is made at start),
    // from the knowledge base, reminders, memory and plugins; summaries through the assistant's
    // "summarise" chain; read aloud by the voice service. Disposed before the services it uses.
    const briefing: BriefingService = new BriefingService({
      db,
      events,
      settings: () => settings.get().briefing,
      memories: () => assistant.memory.list(),
      // Document analysis (bulk chrono and SQLite writes) runs in a worker thread on its own connection.
      analyser: new BriefingIndexWorker(path.join(options.dataDir, 'nook.db'), systemTimeZone),
      plugins,
      summarise: routerSummariser(assistant.router),
      speak: async (text, play) => {
        const r = await voice.speak(text, play);
        return { engine: r.engine, played: r.played, wav: r.wav, totalMs: r.totalMs };
      },
      log,
    });
    store.add({ dispose: () => briefing.dispose() });
    store.add(events.on('knowledge.changed', () => briefing.documentsChanged()));
    store.add(settings.onDidChange(() => briefing.settingsChanged()));
    void briefing.start().catch((e: unknown) => log.warn({ err: e }, 'starting the briefing failed'));

    const apiTokens = new ApiTokenService({ db, secrets });

    const handlers = createHandlers({
      settings,
      secrets,
      system,
      models,
      knowledge,
      assistant,
      voice,
      plugins,
      apiTokens,
      metrics,
      briefing,
      hotkeys: options.hotkeys ?? (() => []),
      ...(options.desktop ? { desktop: options.desktop } : {}),
    });
    const dispatcher = metrics.wrapDispatcher(createDispatcher(handlers, log), isRouteName);
    await secrets.warmUp(log);
    log.info({ mode: options.mode, dataDir: options.dataDir, version: options.version }, 'core started');

    return {
      options,
      log,
      events,
      db,
      settings,
      secrets,
      system,
      models,
      knowledge,
      assistant,
      voice,
      plugins,
      briefing,
      apiTokens,
      embeddings,
      metrics,
      dispatcher,
      dispose: () => store.dispose(),
    };
  } catch (e) {
    log.error({ err: e }, 'core failed to start');
    await store.dispose().catch(() => undefined);
    throw e;
  }
}
