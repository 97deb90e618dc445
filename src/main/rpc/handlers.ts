/** Route handlers: thin glue from the contract to the services. Every route must have one. */
import type { HotkeyState } from '../../shared/types/system';
import type { Handlers } from './dispatcher';
import type { SettingsService } from '../services/settings/settingsService';
import type { SecretStore } from '../services/secrets/secretStore';
import type { SystemService } from '../services/system/systemService';

export interface HandlerDeps {
  settings: SettingsService;
  secrets: SecretStore;
  system: SystemService;
  hotkeys: () => HotkeyState[];
}

export function createHandlers(d: HandlerDeps): Handlers {
  return {
    'system.status': () => d.system.status(),
    'system.diagnostics': () => d.system.diagnostics(),
    'settings.get': () => d.settings.get(),
    'settings.update': (patch) => d.settings.update(patch),
    'settings.reset': () => d.settings.reset(),
    'secrets.list': () => d.secrets.list(),
    'secrets.has': async ({ id }) => ({ present: await d.secrets.has(id) }),
    'secrets.set': async ({ id, value }) => {
      await d.secrets.set(id, value);
      return { present: true as const };
    },
    'secrets.delete': async ({ id }) => {
      await d.secrets.delete(id);
      return { present: false as const };
    },
    'secrets.test': ({ id }) => d.secrets.test(id),
    'hotkeys.list': () => d.hotkeys(),
  };
}
