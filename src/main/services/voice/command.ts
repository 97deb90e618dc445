/**
 * Spoken commands: one utterance to text and intent (`decodeCommand`), and whether those words can be
 * acted on before the silence timeout ends the utterance (`isCompleteCommand`). Used by VoiceService's
 * turns, the voice benchmark and the spoken-command test, so all three measure the same path.
 */
import type { IntentResultData } from '../../../shared/types/voice';
import type { VoiceEngine } from './engine';
import { FALLBACK_INTENT, type IntentRecognizer } from './intents';

/** A command's text and intent, as decoded (and recognised) once. */
export interface DecodedCommand {
  transcript: string;
  intent: IntentResultData | null;
  sttMs: number;
  intentMs: number;
  /** whisper's CPU threads for this decode, where known. */
  threads?: number;
}

/** What an intent needs before its words can be acted on without waiting out the silence timeout. */
const NEEDED_FOR_EARLY_END: Record<string, (e: Record<string, unknown>) => boolean> = {
  // "Remind me to call the dentist ..." often goes on with the day and time.
  add_reminder: (e) => !!e.task && !!e.when,
  open_view: (e) => !!e.view,
  search_knowledge: (e) => !!e.query,
  // A note is dictation, pauses included: always wait for the silence timeout.
  add_note: () => false,
};

/**
 * True when a decoded command can be acted on now: a recognised intent (the same decision the turn
 * would make after the silence timeout) with the entities it needs, and text that whisper ended as a
 * sentence (its punctuation follows the speaker's intonation). A question for the assistant counts when whisper heard a question
 * of at least four words; a note never does (dictation pauses).
 */
export function isCompleteCommand(d: DecodedCommand): boolean {
  const i = d.intent;
  const text = d.transcript.trim();
  if (!i) return false;
  if (i.intent === FALLBACK_INTENT) return /\?["')\]]?$/.test(text) && text.split(/\s+/).length >= 4;
  if (!/[.!?]["')\]]?$/.test(text)) return false;
  const needs = NEEDED_FOR_EARLY_END[i.intent];
  return needs ? needs(i.entities) : true;
}

/**
 * A spoken command's text and intent. One utterance: the encoder context cut to its length
 * (TranscribeOptions.fitContext), the commands' vocabulary as whisper's prompt
 * (IntentRecognizer.decoderPrompt), greedy decoding without whisper.cpp's temperature fallback
 * (`greedy`). That fallback decodes every short command up to five more times (any 3-word text fails
 * its entropy test) and, measured on the 62 test commands, changed none of the intents once a loop's
 * unfinished tail is dropped (stt.ts dropRepeats): it cost 2-4x the time for nothing.
 */
export async function decodeCommand(
  engine: VoiceEngine,
  recognizer: IntentRecognizer,
  samples: Float32Array,
  language?: string,
): Promise<DecodedCommand> {
  const t0 = performance.now();
  const r = await engine.transcribe(samples, {
    ...(language ? { language } : {}),
    fitContext: true,
    greedy: true,
    prompt: recognizer.decoderPrompt(),
  });
  const sttMs = performance.now() - t0;
  const raw = r.text.trim();
  // "[BLANK_AUDIO]", "(wind blowing)": whisper's names for no speech.
  const transcript = /^\[[^\]]*\]$|^\([^)]*\)$/.test(raw) ? '' : raw;
  const threads = r.threads ? { threads: r.threads } : {};
  if (!transcript) return { transcript, intent: null, sttMs, intentMs: 0, ...threads };
  const t1 = performance.now();
  const intent = (await recognizer.recognize(transcript)) as IntentResultData;
  return { transcript, intent, sttMs, intentMs: performance.now() - t1, ...threads };
}
