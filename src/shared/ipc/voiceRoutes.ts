/**
 * The voice routes and events (spread into contract.ts): microphone, push-to-talk, file
 * transcription, history and text to speech.
 */
import { z } from 'zod';
import {
  AudioDeviceSchema,
  IntentResultSchema,
  TranscribeFileResultSchema,
  VoiceActionSchema,
  VoiceInteractionSchema,
  VoiceLevelSchema,
  VoiceStateSchema,
  VoiceTurnSchema,
} from '../types/voice';
import type { RouteDef } from './contract';

const empty = z.object({}).strict();

const EspeakVoiceSchema = z.object({
  id: z.string(),
  name: z.string(),
  gender: z.enum(['male', 'female', 'unknown']),
});

export const voiceRoutes = {
  'voice.devices': {
    input: empty,
    output: z.array(AudioDeviceSchema),
    mutates: false,
    summary: 'Microphones and other capture devices (ALSA names and PulseAudio sources).',
  },
  'voice.start': {
    input: empty,
    output: VoiceStateSchema,
    mutates: true,
    summary: 'Start listening; the turn ends by itself after a pause. Progress arrives as voice.state.',
  },
  'voice.stop': {
    input: empty,
    output: VoiceTurnSchema,
    mutates: true,
    summary: 'Stop listening and act on what was said so far.',
  },
  'voice.cancel': {
    input: empty,
    output: VoiceStateSchema,
    mutates: true,
    summary: 'Drop the current turn and stop speaking (Esc).',
  },
  'voice.pushToTalk': {
    input: empty,
    output: VoiceStateSchema,
    mutates: true,
    summary: 'The push-to-talk toggle: listen, stop listening, or stop speaking.',
  },
  'voice.transcribe': {
    input: z.object({ path: z.string().min(1).max(4096) }).strict(),
    output: TranscribeFileResultSchema,
    mutates: false,
    summary: 'Transcribe an audio file (WAV, FLAC, MP3, ... any rate and channels; long files in chunks).',
  },
  'voice.transcribeAudio': {
    input: z
      .object({
        /** The file's name (its extension tells the decoder the format). */
        name: z.string().min(1).max(255),
        /** The file's bytes, base64 (at most 16 MiB of audio). */
        data: z.string().min(1).max(22_400_000),
      })
      .strict(),
    output: TranscribeFileResultSchema.extend({ intent: IntentResultSchema.nullable() }),
    mutates: false,
    summary:
      'Transcribe audio sent with the request (the Voice screen in a browser, where files have no path) and recognise its command.',
  },
  'voice.history': {
    input: z.object({ limit: z.number().int().min(1).max(1000).default(50) }).strict(),
    output: z.array(VoiceInteractionSchema),
    mutates: false,
    summary: 'Recent voice interactions: transcript, intent, confidence, entities and timings.',
  },
  'voice.speak': {
    input: z.object({ text: z.string().trim().min(1).max(5000), play: z.boolean().optional() }).strict(),
    output: z.object({
      engine: z.enum(['piper', 'espeak-ng', 'elevenlabs']),
      played: z.boolean(),
      firstAudioMs: z.number(),
      totalMs: z.number(),
      /** The audio as a WAV data URL, for the renderer to play. */
      audioUrl: z.string(),
      fallbackReason: z.string().optional(),
    }),
    mutates: true,
    summary:
      'Say something (ElevenLabs when allowed and a key is stored, else the local Piper voice or espeak-ng).',
  },
  'voice.ttsVoices': {
    input: empty,
    output: z.object({
      /** Languages: what `ttsVoice` takes (`en-us`). */
      voices: z.array(EspeakVoiceSchema),
      /** Variants, added to a language with '+' (`en-us+f3`). */
      variants: z.array(EspeakVoiceSchema),
    }),
    mutates: false,
    summary: 'The espeak-ng voices and variants the local speech can use (for the voice picker in Settings).',
  },
  'voice.stopSpeaking': {
    input: empty,
    output: z.object({ stopped: z.boolean() }),
    mutates: true,
    summary: 'Interrupt speech.',
  },
  'voice.testMicrophone': {
    input: empty,
    output: z.object({
      device: z.string(),
      ok: z.boolean(),
      seconds: z.number(),
      rms: z.number(),
      peak: z.number(),
      message: z.string(),
    }),
    mutates: false,
    summary: 'Record 1.5 s from the chosen microphone and report its level.',
  },
} as const satisfies Record<string, RouteDef>;

export const voiceEvents = {
  'voice.state': VoiceStateSchema,
  'voice.level': VoiceLevelSchema,
  'voice.action': VoiceActionSchema,
} as const;
