/** Route handlers: thin glue from the contract to the services. Every route must have one. */
import { AppError } from '../../shared/ipc/result';
import type { HotkeyState } from '../../shared/types/system';
import { ORIGINAL_PATH_PREFIX } from '../../shared/types/upload';
import type { Handlers } from './dispatcher';
import type { SettingsService } from '../services/settings/settingsService';
import type { SecretStore } from '../services/secrets/secretStore';
import type { SystemService } from '../services/system/systemService';
import type { ModelManager } from '../services/models/modelManager';
import type { KnowledgeService } from '../services/knowledge/knowledgeService';
import type { AssistantService } from '../services/assistant/assistantService';
import type { PluginService } from '../services/plugins/pluginService';
import type { VoiceService } from '../services/voice/voiceService';
import { listEspeakVoices } from '../services/voice/espeakVoices';
import type { MetricsService } from '../services/metrics/metricsService';
import { metricsHandlers } from './metricsHandlers';
import type { ApiTokenService } from '../services/apiTokens/apiTokenService';
import { apiTokenHandlers } from './apiTokenHandlers';
import type { BriefingApi } from '../services/briefing/api';
import { briefingHandlers } from './briefingHandlers';

/** What only the desktop shell can do (Electron's dialog and shell); absent in the headless host. */
export interface DesktopShell {
  /** The system picker; absolute paths, empty when cancelled. */
  pickFiles(options: { folders: boolean }): Promise<string[]>;
  /** Opens a file with the system's default application; throws an AppError when it cannot. */
  openPath(path: string): Promise<void>;
  /** Shows a conversation in the main window (and hides the quick ask). */
  openConversation?(id: number): void;
}

export interface HandlerDeps {
  settings: SettingsService;
  secrets: SecretStore;
  system: SystemService;
  hotkeys: () => HotkeyState[];
  models: ModelManager;
  desktop?: DesktopShell;
  /** The knowledge base (absent in test backends that do not build it: its routes answer UNAVAILABLE). */
  knowledge?: KnowledgeService;
  /** The assistant (absent in test backends that do not build it: its routes answer UNAVAILABLE). */
  assistant?: AssistantService;
  /** Plugins (absent in test backends that do not build them: their routes answer UNAVAILABLE). */
  plugins?: PluginService;
  /** The voice loop (absent in test backends that do not build it: its routes answer UNAVAILABLE). */
  voice?: VoiceService;
  /** The metrics registry (absent in test backends that do not build it: UNAVAILABLE). */
  metrics?: MetricsService;
  /** Local API tokens (absent in test backends that do not build them: UNAVAILABLE). */
  apiTokens?: ApiTokenService;
  /** The daily briefing and reminders (absent in test backends that do not build it: UNAVAILABLE). */
  briefing?: BriefingApi;
}

/**
 * Keychain ids the main process keeps for itself (`host.token`, the headless host's installation
 * token; `qdrant.apiKey`, the sidecar's generated key; `api.token.<id>`, local API token values):
 * no route may read, test, overwrite or delete them, and `secrets.list` does not show them.
 * (`qdrant.remoteApiKey`, for a remote Qdrant the user configures, stays the user's to set.)
 */
export const RESERVED_SECRET_PREFIXES = ['host.', 'qdrant.apiKey', 'api.token.'] as const;

export function isReservedSecretId(id: string): boolean {
  return RESERVED_SECRET_PREFIXES.some((p) => id.startsWith(p));
}

function unreserved(id: string): string {
  if (isReservedSecretId(id))
    throw new AppError('FORBIDDEN', `The secret id ${id} is reserved for Nook itself`);
  return id;
}

export function createHandlers(d: HandlerDeps): Handlers {
  const kb = (): KnowledgeService => {
    if (!d.knowledge) throw new AppError('UNAVAILABLE', 'The knowledge base is not running.');
    return d.knowledge;
  };
  const ai = (): AssistantService => {
    if (!d.assistant) throw new AppError('UNAVAILABLE', 'The assistant is not running.');
    return d.assistant;
  };
  const pl = (): PluginService => {
    if (!d.plugins) throw new AppError('UNAVAILABLE', 'Plugins are not running.');
    return d.plugins;
  };
  const vc = (): VoiceService => {
    if (!d.voice) throw new AppError('UNAVAILABLE', 'Voice is not running.');
    return d.voice;
  };
  return {
    'system.status': () => d.system.status(),
    'system.diagnostics': async () => {
      // A fresh count of the vectors in the index (asynchronous: the index may be a Qdrant sidecar).
      await d.knowledge?.countIndex();
      return d.system.diagnostics();
    },
    'settings.get': () => d.settings.get(),
    'settings.update': (patch) => d.settings.update(patch),
    'settings.reset': () => d.settings.reset(),
    'secrets.list': async () => (await d.secrets.list()).filter((s) => !isReservedSecretId(s.id)),
    'secrets.has': async ({ id }) => ({ present: await d.secrets.has(unreserved(id)) }),
    'secrets.set': async ({ id, value }) => {
      await d.secrets.set(unreserved(id), value);
      return { present: true as const };
    },
    'secrets.delete': async ({ id }) => {
      await d.secrets.delete(unreserved(id));
      return { present: false as const };
    },
    'secrets.test': ({ id }) => d.secrets.test(unreserved(id)),
    'hotkeys.list': () => d.hotkeys(),
    'models.list': () => d.models.list(),
    'models.download': ({ id }) => d.models.download(id),
    'models.cancel': ({ id }) => d.models.cancel(id),
    'models.import': (req) => d.models.importFile(req),
    'models.delete': ({ id }) => d.models.delete(id),
    'models.setActive': ({ task, id }) => d.models.setActive(task, id),
    'knowledge.import': ({ paths, tags }) => kb().import(paths, tags),
    'knowledge.search': (input) => kb().search(input),
    'knowledge.documents': (q) => kb().documents(q),
    'knowledge.document': ({ id }) => kb().document(id),
    'knowledge.delete': ({ ids }) => kb().delete(ids),
    'knowledge.restore': ({ ids }) => kb().restore(ids),
    'knowledge.reindex': ({ ids }) => kb().reindex(ids),
    'ingest.status': () => kb().status(),
    'ingest.pause': () => kb().pause(),
    'ingest.resume': () => kb().resume(),
    'ingest.cancel': (target) => kb().cancel(target),
    'ingest.retry': ({ jobId }) => kb().retry(jobId),
    'knowledge.openOriginal': async ({ id }) => {
      const doc = kb().store.document(id);
      if (!doc || doc.deleted_at !== null) throw new AppError('NOT_FOUND', `No document ${id}.`);
      if (!d.desktop) return { opened: false, downloadUrl: `${ORIGINAL_PATH_PREFIX}${id}`, path: doc.path };
      await d.desktop.openPath(doc.path);
      return { opened: true, downloadUrl: null, path: doc.path };
    },
    'app.pickFiles': async ({ folders }) => {
      if (!d.desktop)
        throw new AppError(
          'UNAVAILABLE',
          'The file picker needs the desktop app; in a browser, choose files to upload instead.',
        );
      return { paths: await d.desktop.pickFiles({ folders }) };
    },
    'assistant.ask': (input) => ai().ask(input),
    'assistant.stop': ({ messageId }) => ai().stop(messageId),
    'conversations.list': () => ai().conversations.list(),
    'conversations.get': ({ id }) => ai().conversations.get(id),
    'conversations.rename': ({ id, title }) => ai().conversations.rename(id, title),
    'conversations.delete': ({ id }) => ({ deleted: ai().conversations.delete(id) }),
    'conversations.search': ({ query }) => ai().conversations.search(query),
    'app.openConversation': ({ id }) => {
      if (!d.desktop?.openConversation)
        throw new AppError(
          'UNAVAILABLE',
          'Opening the main window needs the desktop app; in a browser, follow the link instead.',
        );
      ai().conversations.get(id); // NOT_FOUND for a conversation that does not exist
      d.desktop.openConversation(id);
      return { opened: true };
    },
    'memory.list': () => ai().memory.list(),
    'memory.update': ({ id, text }) => ai().memory.update(id, text),
    'memory.delete': ({ id }) => ({ deleted: ai().memory.delete(id) }),
    'providers.list': () => ai().listProviders(),
    'providers.save': (input) => ai().saveProvider(input),
    'providers.test': ({ id }) => ai().testProvider(id),
    'providers.remove': ({ id }) => ai().removeProvider(id),
    'providers.reorder': ({ ids }) => ai().reorderProviders(ids),
    'voice.devices': () => vc().devices(),
    'voice.start': () => vc().start(),
    'voice.stop': () => vc().stop(),
    'voice.cancel': () => vc().cancel(),
    'voice.pushToTalk': () => vc().pushToTalk(),
    'voice.transcribe': ({ path }) => vc().transcribe(path),
    'voice.transcribeAudio': ({ name, data }) => vc().transcribeAudio(name, data),
    'voice.history': ({ limit }) => vc().listHistory(limit),
    'voice.speak': async ({ text, play }) => {
      const r = await vc().speak(text, play);
      return {
        engine: r.engine,
        played: r.played,
        firstAudioMs: r.firstAudioMs,
        totalMs: r.totalMs,
        audioUrl: `data:audio/wav;base64,${r.wav.toString('base64')}`,
        ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}),
      };
    },
    'voice.stopSpeaking': () => vc().stopSpeaking(),
    // Needs only espeak-ng, not the voice loop: the picker works before any model is installed.
    'voice.ttsVoices': () => listEspeakVoices(),
    'voice.testMicrophone': () => vc().testMicrophone(),
    'plugins.list': () => pl().list(),
    'plugins.inspect': ({ path }) => pl().inspect(path),
    'plugins.install': ({ path, approvedPermissions }) => pl().install(path, approvedPermissions),
    'plugins.enable': ({ id }) => pl().setEnabled(id, true),
    'plugins.disable': ({ id }) => pl().setEnabled(id, false),
    'plugins.uninstall': ({ id }) => pl().uninstall(id),
    'plugins.run': ({ id, command, input }) => pl().run(id, command, input),
    'plugins.logs': ({ id, limit }) => pl().logs(id, limit),
    'plugins.commands': () => pl().commands(),
    'plugins.briefingSections': () => pl().briefingSections(),
    ...metricsHandlers(d.metrics),
    ...apiTokenHandlers(d.apiTokens),
    ...briefingHandlers(d.briefing),
  };
}
