/**
 * A small in-memory backend that honours the contract: real dispatcher and event bus, handlers over
 * maps. It lets the transports be tested on their own; the contract suite also runs against the
 * real core (`createCore`).
 */
import { defaultSettings, type Settings, type SettingsPatch } from '../../src/shared/types/settings';
import { AppError } from '../../src/shared/ipc/result';
import { ROUTES } from '../../src/shared/ipc/channels';
import { createDispatcher, type Dispatcher, type Handlers } from '../../src/main/rpc/dispatcher';
import { EventBus } from '../../src/main/rpc/eventBus';
import type { TokenKeychain } from '../../src/main/host/auth';
import { MetricsService } from '../../src/main/services/metrics/metricsService';
import { metricsHandlers } from '../../src/main/rpc/metricsHandlers';
import { openDatabase } from '../../src/main/services/storage/database';
import { ApiTokenService } from '../../src/main/services/apiTokens/apiTokenService';
import { apiTokenHandlers } from '../../src/main/rpc/apiTokenHandlers';
import { briefingHandlers } from '../../src/main/rpc/briefingHandlers';

export class MemoryKeychain implements TokenKeychain {
  readonly values = new Map<string, string>();
  async get(id: string): Promise<string | null> {
    return this.values.get(id) ?? null;
  }
  async set(id: string, value: string): Promise<void> {
    this.values.set(id, value);
  }
}

export interface TestBackend {
  dispatcher: Dispatcher;
  events: EventBus;
  keychain: MemoryKeychain;
  /** Real API tokens over an in-memory database (values in `tokenValues`, the keychain stand-in). */
  apiTokens: ApiTokenService;
  tokenValues: Map<string, string>;
  dispose(): Promise<void>;
}

export function createTestBackend(): TestBackend {
  const events = new EventBus();
  const keychain = new MemoryKeychain();
  const secrets = new Map<string, string>();
  const tokenValues = new Map<string, string>();
  const db = openDatabase(':memory:');
  const apiTokens = new ApiTokenService({
    db,
    secrets: {
      reveal: async (id) => tokenValues.get(id) ?? null,
      set: async (id, value) => void tokenValues.set(id, value),
      delete: async (id) => void tokenValues.delete(id),
    },
  });
  let settings: Settings = defaultSettings();
  const merge = (patch: SettingsPatch): Settings => {
    const next = structuredClone(settings) as unknown as Record<string, Record<string, unknown>>;
    for (const [section, fields] of Object.entries(patch)) Object.assign(next[section]!, fields);
    return next as unknown as Settings;
  };
  const handlers: Handlers = {
    'system.status': () => ({ version: '0.0.0-test', mode: 'host', services: [] }),
    'system.diagnostics': () => ({
      version: '0.0.0-test',
      mode: 'host',
      platform: process.platform,
      arch: process.arch,
      versions: { node: process.versions.node },
      dataDir: '/tmp/nook-test',
      logFile: '/tmp/nook-test/logs/nook.log',
      uptimeSeconds: process.uptime(),
      memory: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed },
      database: { path: '/tmp/nook-test/nook.db', schemaVersion: 0, sizeBytes: 0 },
      settingsWarnings: [],
      recentErrors: [],
    }),
    'settings.get': () => settings,
    'settings.update': (patch) => {
      settings = merge(patch);
      events.emit('settings.changed', settings);
      return settings;
    },
    'settings.reset': () => {
      settings = defaultSettings();
      events.emit('settings.changed', settings);
      return settings;
    },
    'secrets.list': () =>
      [...secrets.keys()].map((id) => ({ id, label: id, present: true, testable: false })),
    'secrets.has': ({ id }) => ({ present: secrets.has(id) }),
    'secrets.set': ({ id, value }) => {
      secrets.set(id, value);
      events.emit('secrets.changed', { id, present: true });
      return { present: true as const };
    },
    'secrets.delete': ({ id }) => {
      secrets.delete(id);
      events.emit('secrets.changed', { id, present: false });
      return { present: false as const };
    },
    'secrets.test': ({ id }) => {
      if (!secrets.has(id)) throw new AppError('NOT_FOUND', `No secret stored for ${id}`);
      return { ok: false, message: 'This secret cannot be tested' };
    },
    'hotkeys.list': () => [],
    // No models in this backend: the model routes answer as the real one does for unknown ids.
    'models.list': () => [],
    'models.download': ({ id }) => noModel(id),
    'models.cancel': ({ id }) => noModel(id),
    'models.import': ({ path }) => {
      throw new AppError('NOT_FOUND', `There is no file or folder at ${path}.`);
    },
    'models.delete': ({ id }) => noModel(id),
    'models.setActive': ({ id }) => (id === null ? [] : noModel(id)),
    // An empty knowledge base that cannot index (no worker, no model in this backend).
    'knowledge.import': () => noKnowledge(),
    'knowledge.search': ({ query, mode }) => ({
      query,
      mode,
      hits: [],
      ftsQuery: '',
      modelId: null,
      timings: { keywordMs: 0, embedMs: 0, vectorMs: 0, totalMs: 0 },
      notes: [],
    }),
    'knowledge.documents': () => ({ total: 0, items: [] }),
    'knowledge.document': ({ id }) => {
      throw new AppError('NOT_FOUND', `No document ${id}.`);
    },
    'knowledge.delete': () => ({ deleted: 0, purgeAt: Date.now() }),
    'knowledge.restore': () => ({ restored: 0 }),
    'knowledge.reindex': () => noKnowledge(),
    'ingest.status': () => emptyIngest(false),
    'ingest.pause': () => emptyIngest(true),
    'ingest.resume': () => emptyIngest(false),
    'ingest.cancel': () => ({ cancelled: 0 }),
    'ingest.retry': ({ jobId }) => {
      throw new AppError('NOT_FOUND', `No ingest job ${jobId}.`);
    },
    'knowledge.openOriginal': ({ id }) => {
      throw new AppError('NOT_FOUND', `No document ${id}.`);
    },
    'app.pickFiles': () => {
      throw new AppError('UNAVAILABLE', 'The file picker needs the desktop app.');
    },
    'app.openConversation': () => {
      throw new AppError('UNAVAILABLE', 'Opening the main window needs the desktop app.');
    },
    // No assistant in this backend: every assistant route answers UNAVAILABLE.
    'assistant.ask': () => noAssistant(),
    'assistant.stop': () => noAssistant(),
    'conversations.list': () => noAssistant(),
    'conversations.get': () => noAssistant(),
    'conversations.rename': () => noAssistant(),
    'conversations.delete': () => noAssistant(),
    'conversations.search': () => noAssistant(),
    'memory.list': () => noAssistant(),
    'memory.update': () => noAssistant(),
    'memory.delete': () => noAssistant(),
    'providers.list': () => noAssistant(),
    'providers.save': () => noAssistant(),
    'providers.test': () => noAssistant(),
    'providers.remove': () => noAssistant(),
    'providers.reorder': () => noAssistant(),
    // No voice in this backend either.
    'voice.devices': () => noVoice(),
    'voice.start': () => noVoice(),
    'voice.stop': () => noVoice(),
    'voice.cancel': () => noVoice(),
    'voice.pushToTalk': () => noVoice(),
    'voice.transcribe': () => noVoice(),
    'voice.transcribeAudio': () => noVoice(),
    'voice.history': () => noVoice(),
    'voice.speak': () => noVoice(),
    'voice.stopSpeaking': () => noVoice(),
    'voice.ttsVoices': () => noVoice(),
    'voice.testMicrophone': () => noVoice(),
    // No plugins in this backend.
    'plugins.list': () => noPlugins(),
    'plugins.inspect': () => noPlugins(),
    'plugins.install': () => noPlugins(),
    'plugins.enable': () => noPlugins(),
    'plugins.disable': () => noPlugins(),
    'plugins.uninstall': () => noPlugins(),
    'plugins.run': () => noPlugins(),
    'plugins.logs': () => noPlugins(),
    'plugins.commands': () => noPlugins(),
    'plugins.briefingSections': () => noPlugins(),
    // A real (empty) registry: the snapshot is the same shape the core returns.
    ...metricsHandlers(new MetricsService({ defaultMetrics: false })),
    // No briefing service in this backend: its routes answer UNAVAILABLE.
    ...briefingHandlers(undefined),
    ...apiTokenHandlers(apiTokens),
  };
  return {
    dispatcher: createDispatcher(handlers),
    events,
    keychain,
    apiTokens,
    tokenValues,
    dispose: async () => void db.close(),
  };
}

function noVoice(): never {
  throw new AppError('UNAVAILABLE', 'Voice is not running in this backend.');
}

function noAssistant(): never {
  throw new AppError('UNAVAILABLE', 'The assistant is not running in this backend.');
}

function noKnowledge(): never {
  throw new AppError('UNAVAILABLE', 'The knowledge base is not running in this backend.');
}

function emptyIngest(paused: boolean) {
  return {
    paused,
    active: false,
    totals: {
      files: 0,
      queued: 0,
      running: 0,
      done: 0,
      skipped: 0,
      failed: 0,
      cancelled: 0,
      bytesTotal: 0,
      bytesDone: 0,
      chunks: 0,
      chunksPerSecond: 0,
      etaMs: 0,
      lastJobId: 0,
    },
    jobs: [],
    modelId: null,
    reembed: null,
  };
}

function noModel(id: string): never {
  throw new AppError('NOT_FOUND', `There is no model "${id}".`);
}

function noPlugins(): never {
  throw new AppError('UNAVAILABLE', 'Plugins are not running in this backend.');
}

/** Every handler throws a plain Error whose message must never reach the client. */
export const LEAKY_MESSAGE = 'db password is hunter2 at /home/someone/secret-path';

export function createThrowingDispatcher(): Dispatcher {
  const boom = () => {
    throw new Error(LEAKY_MESSAGE);
  };
  return createDispatcher(Object.fromEntries(ROUTES.map((r) => [r, boom])) as unknown as Handlers);
}
