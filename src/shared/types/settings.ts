import { z } from 'zod';
import type { ModelTask } from './models';
import { AssistantSettingsSchema } from './assistant';
import { ApiSettingsSchema } from './apiTokens';

/** Current settings schema version; bump it and add a migration in services/settings/migrations.ts. */
export const SETTINGS_VERSION = 1;

const accelerator = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9+ ]+$/, 'An accelerator is keys joined by "+", for example Ctrl+Alt+K');

const modelChoice = z.string().min(1).max(128).nullable().default(null);

export const SettingsSchema = z.object({
  version: z.number().int().min(0).default(SETTINGS_VERSION),
  appearance: z
    .object({
      theme: z.enum(['system', 'light', 'dark']).default('system'),
    })
    .prefault({}),
  general: z
    .object({
      closeToTray: z.boolean().default(true),
      launchAtLogin: z.boolean().default(false),
    })
    .prefault({}),
  hotkeys: z
    .object({
      /** Toggle mode: press to start, press again to stop (Electron's globalShortcut has no key-up). */
      pushToTalk: accelerator.default('CommandOrControl+Alt+Space'),
      quickAsk: accelerator.default('CommandOrControl+Alt+K'),
    })
    .prefault({}),
  privacy: z
    .object({
      /** Nothing leaves the machine unless the user turns a cloud provider on. */
      allowCloudProviders: z.boolean().default(false),
    })
    .prefault({}),
  logging: z
    .object({
      level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    })
    .prefault({}),
  voice: z
    .object({
      /** Input device id from voice.devices ('default': the system's). */
      inputDevice: z.string().min(1).max(200).default('default'),
      recorder: z.enum(['sox', 'arecord']).default('sox'),
      /** Speech-to-text language (ISO 639-1); English-only models ignore it. */
      language: z.string().min(2).max(8).default('en'),
      /** Silence that ends an utterance (ms). */
      silenceTimeoutMs: z.number().int().min(200).max(5000).default(600),
      /**
       * Act as soon as the words heard so far are a complete command (decoded during the first
       * moment of silence) instead of always waiting `silenceTimeoutMs`: the fast path to a reply.
       */
      endOnCompleteCommand: z.boolean().default(true),
      /** Silero VAD speech probability threshold. */
      vadThreshold: z.number().min(0.1).max(0.95).default(0.5),
      /** Push-to-talk: press the hotkey to start, again to stop (globalShortcut has no key-up). */
      pushToTalkMode: z.enum(['toggle']).default('toggle'),
      /** Speak answers aloud. */
      speakAnswers: z.boolean().default(true),
      /**
       * Text to speech: local (the Piper voice when installed, else espeak-ng; offline), espeak-ng
       * only, or ElevenLabs (needs its key and cloud providers on).
       */
      ttsEngine: z.enum(['local', 'espeak', 'elevenlabs']).default('local'),
      /** espeak-ng voice (Piper speaks with its own). */
      ttsVoice: z
        .string()
        .min(1)
        .max(64)
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9_-]*(\+[A-Za-z0-9_-]+)?$/,
          'an espeak-ng voice id such as en-gb or en-us+f3',
        )
        .default('en-us'),
      /** Words per minute. */
      ttsRate: z.number().int().min(80).max(450).default(175),
      elevenlabsVoiceId: z.string().min(1).max(64).default('21m00Tcm4TlvDq8ikWAM'),
      elevenlabsModel: z.string().min(1).max(64).default('eleven_flash_v2_5'),
      elevenlabsBaseUrl: z.string().url().max(200).default('https://api.elevenlabs.io'),
    })
    .prefault({}),
  models: z
    .object({
      /**
       * The model each task uses (a manifest or custom model id); null means the manifest's first
       * `default`-set model for the task. Change it through `models.setActive`, which checks the id.
       */
      active: z
        .object({
          embedding: modelChoice,
          stt: modelChoice,
          vad: modelChoice,
          llm: modelChoice,
          tts: modelChoice,
        } satisfies Record<ModelTask, z.ZodType>)
        .prefault({}),
    })
    .prefault({}),
  /** Providers, per-task chains and timeouts of the assistant (keys live in the keychain, never here). */
  assistant: AssistantSettingsSchema.prefault({}),
  /** The local API (REST, WebSocket, OpenAI-compatible) of the desktop app; tokens live elsewhere. */
  api: ApiSettingsSchema.prefault({}),
  vectors: z
    .object({
      /** 'auto' runs the Qdrant sidecar when its binary is found (else the embedded index); 'off' never does. */
      qdrant: z.enum(['auto', 'off']).default('auto'),
      /** A Qdrant binary chosen by the user (otherwise QDRANT_BIN, the packaged resources/bin/qdrant, PATH). */
      qdrantBinaryPath: z.string().trim().min(1).max(4096).nullable().default(null),
      /** A remote Qdrant for large collections; its API key lives in the keychain as `qdrant.remoteApiKey`. */
      qdrantUrl: z
        .url({ protocol: /^https?$/ })
        .max(2048)
        .nullable()
        .default(null),
    })
    .prefault({}),
  briefing: z
    .object({
      /** Build the daily briefing on schedule (and catch up on a missed one at the next start). */
      enabled: z.boolean().default(true),
      /** Local time of day, 24-hour 'HH:MM'. */
      time: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time is written HH:MM (24-hour)')
        .default('07:30'),
      /** Weekdays it runs on: 0 = Sunday ... 6 = Saturday. */
      days: z.array(z.number().int().min(0).max(6)).max(7).default([0, 1, 2, 3, 4, 5, 6]),
      /** Read the briefing aloud when it is ready. */
      speakWhenReady: z.boolean().default(false),
    })
    .prefault({}),
});

export type Settings = z.infer<typeof SettingsSchema>;

type Unfilled<T> = T extends z.ZodDefault<infer U> ? U : T extends z.ZodPrefault<infer U> ? U : T;
type PatchShape<S extends z.ZodRawShape> = {
  [K in keyof S]: z.ZodOptional<Unfilled<S[K]> & z.core.SomeType>;
};

/**
 * A section of a patch: every field optional and WITHOUT its default. (`.partial()` keeps the
 * defaults, so `{ general: { launchAtLogin: true } }` parsed to `closeToTray: true` as well and a
 * one-field change silently reset its siblings.)
 */
function patchSection<S extends z.ZodRawShape>(
  section: z.ZodObject<S>,
): z.ZodObject<PatchShape<S>, z.core.$strict> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(section.shape)) {
    const bare = field instanceof z.ZodDefault || field instanceof z.ZodPrefault ? field.unwrap() : field;
    shape[key] = (bare as z.ZodType).optional();
  }
  return z.object(shape).strict() as unknown as z.ZodObject<PatchShape<S>, z.core.$strict>;
}

/** A partial update: every section optional, every field in a section optional; absent fields stay as they are. */
export const SettingsPatchSchema = z
  .object({
    appearance: patchSection(SettingsSchema.shape.appearance.unwrap()),
    general: patchSection(SettingsSchema.shape.general.unwrap()),
    hotkeys: patchSection(SettingsSchema.shape.hotkeys.unwrap()),
    privacy: patchSection(SettingsSchema.shape.privacy.unwrap()),
    logging: patchSection(SettingsSchema.shape.logging.unwrap()),
    models: patchSection(SettingsSchema.shape.models.unwrap()),
    voice: patchSection(SettingsSchema.shape.voice.unwrap()),
    assistant: patchSection(SettingsSchema.shape.assistant.unwrap()),
    api: patchSection(SettingsSchema.shape.api.unwrap()),
    vectors: patchSection(SettingsSchema.shape.vectors.unwrap()),
    briefing: patchSection(SettingsSchema.shape.briefing.unwrap()),
  })
  .partial()
  .strict();

export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}
