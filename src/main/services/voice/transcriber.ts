/**
 * Transcription of utterances and files on top of a VoiceEngine.
 *
 * whisper.cpp pads every call to a 30 s window unless its `audio_ctx` is cut to the audio (only the
 * smart-whisper binding can, and only without timestamps), so a call with timestamps costs about the
 * same for 2 s as for 28 s of audio. Speech is therefore packed: the VAD cuts speech out of the audio, the pieces are laid
 * into windows of up to `maxWindowSec` with a short silence between them, each window is transcribed
 * once, and each segment whisper returns is mapped back to the piece (and time in the original
 * audio) it overlaps most. Silence and noise are never sent to whisper at all.
 */
import { AppError } from '../../../shared/ipc/result';
import type { Transcription } from '../inference/stt';
import { decodeStream, probeAudio, SAMPLE_RATE } from './audio';
import { concat, Endpointer, Framer, type EndpointParams } from './endpointer';
import type { SttRequest, VoiceEngine } from './engine';

export interface Piece {
  samples: Float32Array;
  /** Where the piece starts in the original audio (seconds). */
  offsetSec: number;
}

export interface PackedWindow {
  samples: Float32Array;
  /** Each piece's place in the window (seconds). */
  spans: Array<{ piece: number; start: number; end: number }>;
}

export function packWindows(pieces: Piece[], gapSec = 0.8, maxWindowSec = 28): PackedWindow[] {
  const gap = new Float32Array(Math.round(gapSec * SAMPLE_RATE));
  const windows: PackedWindow[] = [];
  let parts: Float32Array[] = [];
  let spans: PackedWindow['spans'] = [];
  let length = 0;
  const flush = (): void => {
    if (!parts.length) return;
    windows.push({ samples: concat(parts), spans });
    parts = [];
    spans = [];
    length = 0;
  };
  pieces.forEach((p, i) => {
    const add = p.samples.length + (parts.length ? gap.length : 0);
    if (parts.length && (length + add) / SAMPLE_RATE > maxWindowSec) flush();
    if (parts.length) {
      parts.push(gap);
      length += gap.length;
    }
    spans.push({ piece: i, start: length / SAMPLE_RATE, end: (length + p.samples.length) / SAMPLE_RATE });
    parts.push(p.samples);
    length += p.samples.length;
  });
  flush();
  return windows;
}

export interface PieceText {
  text: string;
  segments: Array<{ text: string; start: number; end: number }>;
}

/** Whisper's segments of one window, given back to the pieces they overlap most. */
export function assignSegments(window: PackedWindow, result: Transcription, pieceCount: number): PieceText[] {
  const out: PieceText[] = Array.from({ length: pieceCount }, () => ({ text: '', segments: [] }));
  for (const seg of result.segments) {
    let best = -1;
    let bestOverlap = -Infinity;
    for (const s of window.spans) {
      const overlap = Math.min(seg.end, s.end) - Math.max(seg.start, s.start);
      if (overlap > bestOverlap) {
        bestOverlap = overlap;
        best = s.piece;
      }
    }
    const span = window.spans.find((s) => s.piece === best);
    if (!span || !seg.text.trim()) continue;
    const target = out[best]!;
    target.segments.push({ text: seg.text.trim(), start: seg.start - span.start, end: seg.end - span.start });
    target.text = target.text ? `${target.text} ${seg.text.trim()}` : seg.text.trim();
  }
  return out;
}

/** Transcribes several utterances with as few whisper calls as fit (one per 28 s of speech). */
export async function transcribePieces(
  engine: VoiceEngine,
  pieces: Piece[],
  request: SttRequest = {},
  onWindow?: (done: number, total: number) => void,
): Promise<PieceText[]> {
  const out: PieceText[] = pieces.map(() => ({ text: '', segments: [] }));
  const windows = packWindows(pieces);
  for (const [wi, w] of windows.entries()) {
    // A window of one piece (a command, a short file) needs no timestamps to tell pieces apart, so
    // its encoder context can be cut to the audio's length (much faster than whisper's 30 s).
    const single = w.spans.length === 1;
    const r = await engine.transcribe(w.samples, single ? { ...request, fitContext: true } : request);
    const texts = assignSegments(w, r, pieces.length);
    texts.forEach((t, i) => {
      if (!t.text) return;
      out[i]!.text = out[i]!.text ? `${out[i]!.text} ${t.text}` : t.text;
      out[i]!.segments.push(...t.segments);
    });
    onWindow?.(wi + 1, windows.length);
  }
  return out;
}

export interface FileTranscript {
  text: string;
  segments: Array<{ text: string; start: number; end: number }>;
  durationSec: number;
  /** Seconds the VAD kept as speech (only these were transcribed). */
  speechSec: number;
  /** True when the VAD found no speech at all (silence or noise). */
  noSpeech: boolean;
  windows: number;
  sampleRate: number;
  channels: number;
}

export interface FileTranscribeOptions extends SttRequest {
  onProgress?: (p: { doneSec: number; totalSec: number; text: string }) => void;
  signal?: AbortSignal;
  endpoint?: Partial<EndpointParams>;
}

/**
 * Any audio file sox reads, any length: decoded and resampled to 16 kHz mono in 10 s chunks, VAD
 * over the stream, speech packed into windows and transcribed as each window fills. Memory holds one
 * chunk and one window, whatever the file's length.
 */
export async function transcribeFile(
  engine: VoiceEngine,
  file: string,
  options: FileTranscribeOptions = {},
): Promise<FileTranscript> {
  const info = await probeAudio(file);
  const vad = await engine.vadOpen();
  const framer = new Framer();
  const endpointer = new Endpointer({ silenceMs: 400, maxUtteranceMs: 25_000, ...options.endpoint });
  const segments: FileTranscript['segments'] = [];
  let pending: Piece[] = [];
  let pendingSec = 0;
  let speechSec = 0;
  let windows = 0;
  let decodedSec = 0;
  const request: SttRequest = {
    ...(options.language ? { language: options.language } : {}),
    ...(options.prompt ? { prompt: options.prompt } : {}),
  };

  const flush = async (): Promise<void> => {
    if (!pending.length) return;
    const pieces = pending;
    pending = [];
    pendingSec = 0;
    const texts = await transcribePieces(engine, pieces, request);
    windows++;
    texts.forEach((t, i) => {
      const off = pieces[i]!.offsetSec;
      for (const s of t.segments) segments.push({ text: s.text, start: off + s.start, end: off + s.end });
    });
    options.onProgress?.({
      doneSec: decodedSec,
      totalSec: info.durationSec,
      text: texts.map((t) => t.text).join(' '),
    });
  };
  const take = async (events: ReturnType<Endpointer['push']>): Promise<void> => {
    for (const e of events) {
      if (e.type !== 'end') continue;
      const sec = e.utterance.samples.length / SAMPLE_RATE;
      speechSec += sec;
      if (pendingSec + sec > 27) await flush();
      pending.push({ samples: e.utterance.samples, offsetSec: e.utterance.startSample / SAMPLE_RATE });
      pendingSec += sec + 0.8;
    }
  };

  try {
    await decodeStream(
      file,
      async (chunk) => {
        if (options.signal?.aborted) throw new AppError('CANCELLED', 'transcription cancelled');
        const frames = framer.push(chunk);
        if (frames.length) {
          const probs = await engine.vadPush(vad, concat(frames));
          for (let i = 0; i < frames.length; i++) await take(endpointer.push(frames[i]!, probs[i]!));
        }
        decodedSec += chunk.length / SAMPLE_RATE;
        options.onProgress?.({ doneSec: decodedSec, totalSec: info.durationSec, text: '' });
      },
      { chunkSamples: 10 * SAMPLE_RATE, ...(options.signal ? { signal: options.signal } : {}) },
    );
    const last = framer.flush();
    if (last) {
      const [p] = await engine.vadPush(vad, last);
      await take(endpointer.push(last, p!));
    }
    const end = endpointer.flush();
    if (end) await take([end]);
    await flush();
  } finally {
    await engine.vadClose(vad);
  }
  segments.sort((a, b) => a.start - b.start);
  return {
    text: segments
      .map((s) => s.text)
      .join(' ')
      .trim(),
    segments,
    durationSec: decodedSec,
    speechSec,
    noSpeech: speechSec === 0,
    windows,
    sampleRate: info.sampleRate,
    channels: info.channels,
  };
}
