import { z } from 'zod';

/** The voice loop's states, as the overlay and the Voice screen show them. */
export const VOICE_STATES = ['idle', 'listening', 'transcribing', 'thinking', 'speaking'] as const;
export type VoiceStateName = (typeof VOICE_STATES)[number];

export const EntitiesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const IntentResultSchema = z.object({
  intent: z.string(),
  confidence: z.number(),
  method: z.enum(['pattern', 'similarity', 'fallback']),
  entities: EntitiesSchema,
  text: z.string(),
  matched: z.string().optional(),
  alternative: z.object({ intent: z.string(), confidence: z.number() }).optional(),
});
export type IntentResultData = z.infer<typeof IntentResultSchema>;

export const VoiceTimingsSchema = z.record(z.string(), z.number());

export const VoiceInteractionSchema = z.object({
  id: z.number().int(),
  transcript: z.string(),
  intent: z.string(),
  confidence: z.number(),
  entities: EntitiesSchema,
  /** ms per stage: vadTail, stt, intent, action, total. */
  timings: VoiceTimingsSchema,
  source: z.enum(['microphone', 'file', 'text']),
  createdAt: z.number(),
});
export type VoiceInteraction = z.infer<typeof VoiceInteractionSchema>;

export const VoiceStateSchema = z.object({
  state: z.enum(VOICE_STATES),
  /** The transcript so far (empty while listening). */
  transcript: z.string(),
  intent: IntentResultSchema.nullable(),
  /** A user-facing problem (no microphone, model missing). */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type VoiceState = z.infer<typeof VoiceStateSchema>;

export const VoiceLevelSchema = z.object({ rms: z.number(), peak: z.number() });

export const AudioDeviceSchema = z.object({
  id: z.string(),
  label: z.string(),
  backend: z.enum(['alsa', 'pulse']),
  isDefault: z.boolean(),
});

/** What the app does with a recognised intent (the renderer acts on `open_view` etc.). */
export const VoiceActionSchema = z.object({
  kind: z.enum(['open_view', 'search', 'note', 'reminder', 'briefing', 'ask', 'stop', 'plugin', 'none']),
  /** Data for the renderer: the view, search hits, the parsed reminder, ... */
  data: z.record(z.string(), z.unknown()),
  /** What Nook says back (spoken when speakAnswers is on). */
  reply: z.string(),
});
export type VoiceAction = z.infer<typeof VoiceActionSchema>;

export const VoiceTurnSchema = z.object({
  interaction: VoiceInteractionSchema.nullable(),
  intent: IntentResultSchema.nullable(),
  action: VoiceActionSchema.nullable(),
  /** True when nothing was said (silence or noise only): nothing was transcribed. */
  noSpeech: z.boolean(),
});
export type VoiceTurn = z.infer<typeof VoiceTurnSchema>;

export const TranscribeFileResultSchema = z.object({
  text: z.string(),
  segments: z.array(z.object({ text: z.string(), start: z.number(), end: z.number() })),
  durationSec: z.number(),
  speechSec: z.number(),
  noSpeech: z.boolean(),
  sampleRate: z.number(),
  channels: z.number(),
  elapsedMs: z.number(),
});
