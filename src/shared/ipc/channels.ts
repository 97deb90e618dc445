/**
 * The zod-free list of every route and event name. The preload uses it as its allow-list, so it must
 * stay free of heavy imports; `contract.ts` checks at compile time that it declares exactly these.
 */
export const ROUTES = [
  'system.status',
  'system.diagnostics',
  'system.metrics',
  'settings.get',
  'settings.update',
  'settings.reset',
  'secrets.list',
  'secrets.has',
  'secrets.set',
  'secrets.delete',
  'secrets.test',
  'hotkeys.list',
  'models.list',
  'models.download',
  'models.cancel',
  'models.import',
  'models.delete',
  'models.setActive',
  'knowledge.import',
  'knowledge.search',
  'knowledge.documents',
  'knowledge.document',
  'knowledge.delete',
  'knowledge.restore',
  'knowledge.reindex',
  'ingest.status',
  'ingest.pause',
  'ingest.resume',
  'ingest.cancel',
  'ingest.retry',
  'knowledge.openOriginal',
  'app.pickFiles',
  'app.openConversation',
  'assistant.ask',
  'assistant.stop',
  'conversations.list',
  'conversations.get',
  'conversations.rename',
  'conversations.delete',
  'conversations.search',
  'memory.list',
  'memory.update',
  'memory.delete',
  'providers.list',
  'providers.save',
  'providers.test',
  'providers.remove',
  'providers.reorder',
  'voice.devices',
  'voice.start',
  'voice.stop',
  'voice.cancel',
  'voice.pushToTalk',
  'voice.transcribe',
  'voice.transcribeAudio',
  'voice.history',
  'voice.speak',
  'voice.stopSpeaking',
  'voice.ttsVoices',
  'voice.testMicrophone',
  'plugins.list',
  'plugins.inspect',
  'plugins.install',
  'plugins.enable',
  'plugins.disable',
  'plugins.uninstall',
  'plugins.run',
  'plugins.logs',
  'plugins.commands',
  'plugins.briefingSections',
  'apiTokens.list',
  'apiTokens.create',
  'apiTokens.revoke',
  'briefing.generate',
  'briefing.get',
  'briefing.list',
  'briefing.export',
  'briefing.speak',
  'reminders.list',
  'reminders.create',
  'reminders.parse',
  'reminders.update',
  'reminders.complete',
  'reminders.snooze',
  'reminders.delete',
  'reminders.restore',
] as const;

export const EVENTS = [
  'settings.changed',
  'system.statusChanged',
  'secrets.changed',
  'system.notice',
  'hotkeys.changed',
  'models.progress',
  'ingest.progress',
  'knowledge.changed',
  'assistant.delta',
  'assistant.done',
  'assistant.providerChanged',
  'assistant.health',
  'voice.state',
  'voice.level',
  'voice.action',
  'briefing.ready',
  'reminders.due',
  'reminders.changed',
  'app.openView',
] as const;

export type RouteName = (typeof ROUTES)[number];
export type EventName = (typeof EVENTS)[number];

const routeSet: ReadonlySet<string> = new Set(ROUTES);
const eventSet: ReadonlySet<string> = new Set(EVENTS);

export function isRouteName(value: unknown): value is RouteName {
  return typeof value === 'string' && routeSet.has(value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && eventSet.has(value);
}

/** Largest serialized request accepted from the renderer or a WebSocket client (bytes of JSON). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** IPC channel names used by the preload and the main registrar. */
export const IPC_INVOKE_CHANNEL = 'nook:invoke';
export const IPC_EVENT_CHANNEL = 'nook:event';
