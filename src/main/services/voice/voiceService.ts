/**
 * The voice loop: microphone -> VAD (end of speech) -> whisper -> intent -> action -> spoken reply.
 *
 * States (emitted as `voice.state` with the transcript so far): idle -> listening -> transcribing ->
 * thinking -> speaking -> idle. Push-to-talk is a toggle (Electron's globalShortcut has no key-up):
 * the first press listens, the second stops listening (or stops speech), Esc (`cancel`) drops the
 * turn. Listening also ends by itself after `silenceTimeoutMs` of silence after speech.
 *
 * Latency: the moment silence begins (the endpointer's 'pause'), the speech so far is decoded while
 * the silence timeout runs. When those words are already a complete command (`isCompleteCommand`:
 * a recognised intent with what it needs, and whisper ended the sentence) and no speech followed,
 * the turn ends right there (`endOnCompleteCommand`); otherwise the decode is reused when the
 * timeout ends the utterance. Decoding is greedy (command.ts).
 * The capture is a child process; VAD, whisper and the embedder run in the voice worker (VoiceEngine),
 * so nothing here blocks the main thread beyond copying buffers.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError, isAppError } from '../../../shared/ipc/result';
import type { Disposable } from '../../../shared/lifecycle';
import type { Settings } from '../../../shared/types/settings';
import type {
  IntentResultData,
  VoiceAction,
  VoiceInteraction,
  VoiceState,
  VoiceStateName,
  VoiceTurn,
} from '../../../shared/types/voice';
import type { SearchInput, SearchResult } from '../../../shared/types/library';
import type { Database } from '../storage/database';
import { levels, probeAudio, SAMPLE_RATE } from './audio';
import { listDevices, MicrophoneCapture, type AudioDevice } from './capture';
import { concat, Endpointer, Framer, type EndpointEvent, type Utterance } from './endpointer';
import type { VoiceEngine } from './engine';
import { VoiceHistory } from './history';
import { decodeCommand, isCompleteCommand, type DecodedCommand } from './command';
import { BUILTIN_INTENTS, IntentRecognizer, type IntentDefinition } from './intents';
import { transcribeFile, type FileTranscript } from './transcriber';
import { TextToSpeech, type SpeakResult } from './tts';

export type VoiceSettings = Settings['voice'];

/** Recordings up to this long sent to transcribeAudio are run as spoken commands. */
const COMMAND_MAX_SEC = 30;

export interface VoiceEvents {
  emit(event: 'voice.state', payload: VoiceState): void;
  emit(event: 'voice.level', payload: { rms: number; peak: number }): void;
  emit(event: 'voice.action', payload: VoiceAction): void;
}

export interface VoiceServiceOptions {
  /** Starts the engine (the voice worker in the app) on first use. */
  engine: () => Promise<VoiceEngine>;
  settings: () => VoiceSettings;
  allowCloud: () => boolean;
  /** The ElevenLabs key (main process only). */
  elevenlabsKey: () => Promise<string | null>;
  db: Database;
  events: VoiceEvents;
  /** The knowledge base's search, when it runs. */
  search?: (input: SearchInput) => Promise<SearchResult>;
  /** Play replies through the system ('system', the desktop app) or leave audio to the renderer ('none'). */
  playback: 'system' | 'none';
  /** A capture other than the system microphone (tests). */
  capture?: MicrophoneCapture;
  /** Give up listening when no speech starts within this many ms (default 10000). */
  noSpeechTimeoutMs?: number;
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** Reminders: "remind me to ..." creates one (the briefing service reads the date from the words). */
  reminders?: {
    create(input: { text: string; source: 'voice' }): { id: number; title: string; dueAt: number | null };
  };
  /** "Read my briefing": today's briefing as sentences to say (made first when there is none). */
  briefing?: { script(): Promise<{ briefing: { id: number; date: string }; text: string }> };
}

/** A pause the endpointer reported: the words so far, and the silence already heard then (ms). */
interface PendingPause {
  /** Listening.epoch at the pause: a later pause or speech makes it stale. */
  epoch: number;
  utterance: Utterance;
  tailMs: number;
}

/** A decode started when silence began (the endpointer's 'pause'), while the silence timeout runs. */
interface Speculation extends PendingPause {
  /** performance.now() when the decode started. */
  startedAt: number;
  result: Promise<DecodedCommand>;
}

interface Listening {
  framer: Framer;
  endpointer: Endpointer;
  vad: number;
  queue: Promise<void>;
  timer: NodeJS.Timeout | undefined;
  done: (u: Utterance | null, reason: string, spec?: Speculation) => void;
  finished: Promise<VoiceTurn>;
  startedAt: number;
  /** Bumped by every pause and every return of speech. */
  epoch: number;
  spec: Speculation | null;
  /** A decode is running in the worker; a newer pause waits here (only the latest is decoded). */
  specBusy: boolean;
  specNext: PendingPause | null;
}

/** Spoken commands longer than this are dictation, not decoded speculatively at every pause. */
const SPECULATE_MAX_SEC = 12;

export class VoiceService implements Disposable {
  private readonly history: VoiceHistory;
  private readonly recognizer: IntentRecognizer;
  private readonly tts: TextToSpeech;
  private readonly capture: MicrophoneCapture;
  private enginePromise: Promise<VoiceEngine> | null = null;
  private current: VoiceState = { state: 'idle', transcript: '', intent: null, error: null };
  private listening: Listening | null = null;
  private disposed = false;

  constructor(private readonly o: VoiceServiceOptions) {
    this.history = new VoiceHistory(o.db);
    this.capture = o.capture ?? new MicrophoneCapture();
    this.recognizer = new IntentRecognizer(async (texts) => (await this.engine()).embed(texts));
    for (const def of BUILTIN_INTENTS) this.recognizer.register(def);
    this.tts = new TextToSpeech({
      settings: () => {
        const s = o.settings();
        return {
          engine: s.ttsEngine,
          voice: s.ttsVoice,
          rate: s.ttsRate,
          elevenlabsVoiceId: s.elevenlabsVoiceId,
          elevenlabsModel: s.elevenlabsModel,
          elevenlabsBaseUrl: s.elevenlabsBaseUrl,
        };
      },
      allowCloud: o.allowCloud,
      apiKey: o.elevenlabsKey,
      piper: async (text, lengthScale) => (await this.engine()).synthesize(text, lengthScale),
      ...(o.log ? { log: o.log } : {}),
    });
  }

  get state(): VoiceState {
    return this.current;
  }

  /** Plugins add voice commands here; the returned disposer removes them. */
  registerIntent(def: IntentDefinition): Disposable {
    return this.recognizer.register(def);
  }

  engine(): Promise<VoiceEngine> {
    if (this.disposed) return Promise.reject(new AppError('UNAVAILABLE', 'Voice has stopped.'));
    if (!this.enginePromise) {
      // A missing or damaged model is something the user fixes in Settings → Models: UNAVAILABLE.
      this.enginePromise = this.o.engine().catch((e: unknown) => {
        throw isAppError(e) && e.code !== 'UNAVAILABLE'
          ? new AppError('UNAVAILABLE', `Voice cannot start: ${e.message}`)
          : e;
      });
      this.enginePromise.catch(() => (this.enginePromise = null));
    }
    return this.enginePromise;
  }

  private setState(state: VoiceStateName, patch: Partial<Omit<VoiceState, 'state'>> = {}): void {
    this.current = { ...this.current, ...patch, state };
    this.o.events.emit('voice.state', this.current);
  }

  devices(): Promise<AudioDevice[]> {
    return listDevices();
  }

  listHistory(limit: number): VoiceInteraction[] {
    return this.history.list(limit);
  }

  // ---- listening -------------------------------------------------------------------------------

  /** Starts listening; resolves once the microphone records. The turn's result arrives as events. */
  async start(): Promise<VoiceState> {
    if (this.listening) return this.current;
    if (this.tts.speaking) this.tts.stop();
    const engine = await this.engine().catch((e: unknown) => {
      this.fail(e);
      throw e;
    });
    const s = this.o.settings();
    const vad = await engine.vadOpen();
    let resolveTurn!: (t: VoiceTurn) => void;
    const finished = new Promise<VoiceTurn>((r) => (resolveTurn = r));
    const l: Listening = {
      framer: new Framer(),
      endpointer: new Endpointer({ silenceMs: s.silenceTimeoutMs, threshold: s.vadThreshold }),
      vad,
      queue: Promise.resolve(),
      timer: undefined,
      startedAt: Date.now(),
      finished,
      done: () => undefined,
      epoch: 0,
      spec: null,
      specBusy: false,
      specNext: null,
    };
    let settled = false;
    l.done = (u, reason, spec) => {
      if (settled) return;
      settled = true;
      clearTimeout(l.timer);
      this.capture.stop();
      if (this.listening === l) this.listening = null;
      void engine.vadClose(vad).catch(() => undefined);
      if (!u) {
        if (reason !== 'cancel') this.setState('idle', { transcript: '', intent: null });
        resolveTurn({ interaction: null, intent: null, action: null, noSpeech: true });
        return;
      }
      // A decode of these very words (no speech since the pause) is reused, not run again. Its turn
      // is timed from when silence began: the silence heard then + everything since.
      const same = spec ?? (l.spec && l.spec.epoch === l.epoch ? l.spec : null);
      const detectedAt = same && reason === 'complete' ? same.startedAt : performance.now();
      const vadTail =
        same && reason === 'complete'
          ? same.tailMs
          : ((l.endpointer.samplesSeen - u.lastSpeechSample) / SAMPLE_RATE) * 1000;
      this.runTurn(u.samples, 'microphone', { vadTail, detectedAt }, same?.result).then(
        resolveTurn,
        (e: unknown) => {
          this.fail(e);
          resolveTurn({ interaction: null, intent: null, action: null, noSpeech: false });
        },
      );
    };
    this.listening = l;
    this.setState('listening', { transcript: '', intent: null, error: null });
    l.timer = setTimeout(() => {
      if (!l.endpointer.speaking) l.done(null, 'timeout');
    }, this.o.noSpeechTimeoutMs ?? 10_000);
    try {
      await this.capture.start({
        device: s.inputDevice,
        recorder: s.recorder,
        onAudio: (samples) => this.feed(l, engine, samples),
        onLevel: (lv) => this.o.events.emit('voice.level', lv),
        onError: (e) => {
          this.fail(e);
          l.done(null, 'cancel');
        },
      });
    } catch (e) {
      l.done(null, 'cancel');
      this.fail(e);
      throw e;
    }
    return this.current;
  }

  private feed(l: Listening, engine: VoiceEngine, samples: Float32Array): void {
    const frames = l.framer.push(samples);
    if (!frames.length) return;
    l.queue = l.queue.then(async () => {
      if (this.listening !== l) return;
      const probs = await engine.vadPush(l.vad, concat(frames));
      for (let i = 0; i < frames.length; i++)
        this.onEndpoint(l, engine, l.endpointer.push(frames[i]!, probs[i]!));
    });
    l.queue.catch((e: unknown) => {
      this.fail(e);
      l.done(null, 'cancel');
    });
  }

  private onEndpoint(l: Listening, engine: VoiceEngine, events: EndpointEvent[]): void {
    for (const e of events) {
      if (e.type === 'start') clearTimeout(l.timer);
      if (e.type === 'resume') l.epoch++;
      if (e.type === 'pause') {
        l.epoch++;
        const tailMs = ((l.endpointer.samplesSeen - e.utterance.lastSpeechSample) / SAMPLE_RATE) * 1000;
        if (e.utterance.samples.length / SAMPLE_RATE <= SPECULATE_MAX_SEC)
          this.speculate(l, engine, { epoch: l.epoch, utterance: e.utterance, tailMs });
      }
      if (e.type === 'end') l.done(e.utterance, 'silence');
    }
  }

  /**
   * Decodes the words heard before a pause while the silence timeout runs. One decode at a time in
   * the worker: a pause that comes while one runs waits, and only the latest waiting one is decoded.
   */
  private speculate(l: Listening, engine: VoiceEngine, next: PendingPause): void {
    if (l.specBusy) {
      l.specNext = next;
      return;
    }
    l.specBusy = true;
    const spec: Speculation = {
      ...next,
      startedAt: performance.now(),
      result: this.decodeCommand(engine, next.utterance.samples),
    };
    l.spec = spec;
    void spec.result
      .then(async (d) => {
        if (this.listening !== l || l.epoch !== spec.epoch) return;
        if (d.transcript) this.setState('listening', { transcript: d.transcript });
        if (!this.o.settings().endOnCompleteCommand || !isCompleteCommand(d)) return;
        // Audio that arrived during the decode is still queued for the VAD: let it through first,
        // so speech that resumed meanwhile is seen before the turn is ended.
        await l.queue.catch(() => undefined);
        if (this.listening !== l || l.epoch !== spec.epoch) return;
        l.endpointer.reset();
        l.done(spec.utterance, 'complete', spec);
      })
      .catch(() => undefined)
      .finally(() => {
        l.specBusy = false;
        const waiting = l.specNext;
        l.specNext = null;
        if (waiting && this.listening === l && waiting.epoch === l.epoch) this.speculate(l, engine, waiting);
      });
  }

  /** Stops listening: what was said so far is transcribed (push-to-talk's second press). */
  async stop(): Promise<VoiceTurn> {
    const l = this.listening;
    if (!l) return { interaction: null, intent: null, action: null, noSpeech: true };
    this.capture.stop();
    await l.queue.catch(() => undefined);
    const end = l.endpointer.flush();
    l.done(end?.type === 'end' ? end.utterance : null, 'stop');
    return l.finished;
  }

  /** Esc: drop the turn and any speech. */
  cancel(): VoiceState {
    const l = this.listening;
    if (l) l.done(null, 'cancel');
    this.tts.stop();
    this.setState('idle', { transcript: '', intent: null });
    return this.current;
  }

  /** The hotkey: idle -> listen; listening -> stop and run the turn; speaking -> stop speaking. */
  async pushToTalk(): Promise<VoiceState> {
    if (this.listening) {
      void this.stop();
      return this.current;
    }
    if (this.tts.speaking || this.current.state === 'speaking') {
      this.stopSpeaking();
      return this.current;
    }
    if (this.current.state === 'transcribing' || this.current.state === 'thinking') return this.current;
    return this.start();
  }

  /** Resolves with the turn that the current listening ends in (tests, the Voice screen). */
  waitForTurn(): Promise<VoiceTurn> {
    return (
      this.listening?.finished ??
      Promise.resolve({ interaction: null, intent: null, action: null, noSpeech: true })
    );
  }

  private fail(e: unknown): void {
    const error = isAppError(e)
      ? { code: e.code, message: e.message }
      : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
    this.o.log?.warn({ err: e }, 'voice turn failed');
    this.setState('idle', { error });
  }

  // ---- one turn ------------------------------------------------------------------------------

  /** Transcribes an utterance, recognises its intent, acts, stores it; the reply is spoken. */
  async runTurn(
    samples: Float32Array,
    source: VoiceInteraction['source'],
    t: { vadTail?: number; detectedAt?: number } = {},
    decoded?: Promise<DecodedCommand>,
  ): Promise<VoiceTurn> {
    const start = t.detectedAt ?? performance.now();
    this.setState('transcribing', { transcript: '', intent: null, error: null });
    const engine = await this.engine();
    const d = await (decoded ?? this.decodeCommand(engine, samples));
    if (!d.transcript || !d.intent) {
      this.setState('idle', { transcript: '' });
      return { interaction: null, intent: null, action: null, noSpeech: true };
    }
    return this.understand(d.transcript, source, { ...t, stt: d.sttMs, start }, d);
  }

  /** A spoken command's text and intent (command.ts). */
  decodeCommand(engine: VoiceEngine, samples: Float32Array): Promise<DecodedCommand> {
    return decodeCommand(engine, this.recognizer, samples, this.o.settings().language);
  }

  /** Intent + action + history for a transcript (typed commands use this too). */
  async understand(
    transcript: string,
    source: VoiceInteraction['source'],
    t: { vadTail?: number; stt?: number; start?: number } = {},
    recognised?: DecodedCommand,
  ): Promise<VoiceTurn> {
    const start = t.start ?? performance.now();
    this.setState('thinking', { transcript });
    const t1 = performance.now();
    const intent = recognised?.intent ?? ((await this.recognizer.recognize(transcript)) as IntentResultData);
    const intentMs = recognised ? recognised.intentMs : performance.now() - t1;
    this.setState('thinking', { transcript, intent });
    const t2 = performance.now();
    const action = await this.act(intent).catch((e: unknown): VoiceAction => ({
      kind: 'none',
      data: { error: e instanceof Error ? e.message : String(e) },
      reply: isAppError(e) ? e.message : 'Sorry, that did not work.',
    }));
    const actionMs = performance.now() - t2;
    const timings: Record<string, number> = {
      ...(t.vadTail !== undefined ? { vadTail: round(t.vadTail) } : {}),
      ...(t.stt !== undefined ? { stt: round(t.stt) } : {}),
      ...(recognised?.threads ? { sttThreads: recognised.threads } : {}),
      intent: round(intentMs),
      action: round(actionMs),
      total: round(performance.now() - start + (t.vadTail ?? 0)),
    };
    const interaction = this.history.add({
      transcript,
      intent: intent.intent,
      confidence: intent.confidence,
      entities: intent.entities,
      timings,
      source,
    });
    this.o.events.emit('voice.action', action);
    if (
      action.reply &&
      this.o.settings().speakAnswers &&
      this.o.playback === 'system' &&
      intent.intent !== 'stop_speaking'
    ) {
      this.setState('speaking', { transcript, intent });
      void this.tts
        .speak(action.reply, { play: true })
        .catch(() => undefined)
        .finally(() => {
          if (this.current.state === 'speaking') this.setState('idle');
        });
    } else {
      this.setState('idle', { transcript, intent });
    }
    return { interaction, intent, action, noSpeech: false };
  }

  private async act(intent: IntentResultData): Promise<VoiceAction> {
    const e = intent.entities;
    const custom = this.recognizer.get(intent.intent)?.handler;
    switch (intent.intent) {
      case 'stop_speaking':
        this.tts.stop();
        return { kind: 'stop', data: {}, reply: '' };
      case 'open_view':
        return e.view
          ? { kind: 'open_view', data: { view: e.view }, reply: '' }
          : { kind: 'none', data: {}, reply: 'Which screen should I open?' };
      case 'add_reminder': {
        if (this.o.reminders && e.task) {
          const r = this.o.reminders.create({ text: intent.text, source: 'voice' });
          const due = r.dueAt
            ? ` on ${new Date(r.dueAt).toLocaleString('en-US', { weekday: 'long', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' })}`
            : '';
          return {
            kind: 'reminder',
            data: { ...e, reminderId: r.id, title: r.title, dueAt: r.dueAt },
            reply: `I'll remind you to ${r.title.charAt(0).toLowerCase()}${r.title.slice(1)}${due}.`,
          };
        }
        const when = typeof e.when === 'string' ? new Date(e.when) : null;
        const at = when
          ? ` ${when.toLocaleString('en-US', { weekday: 'long', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' })}`
          : '';
        return {
          kind: 'reminder',
          data: { ...e },
          reply: e.task
            ? `I'll remind you to ${e.task}${at ? ` on${at}` : ''}.`
            : 'What should I remind you about?',
        };
      }
      case 'add_note':
        return { kind: 'note', data: { ...e }, reply: e.text ? 'Noted.' : 'What should the note say?' };
      case 'read_briefing': {
        if (!this.o.briefing) return { kind: 'briefing', data: {}, reply: '' };
        const { briefing, text } = await this.o.briefing.script();
        return { kind: 'briefing', data: { id: briefing.id, date: briefing.date }, reply: text };
      }
      case 'search_knowledge': {
        const query = typeof e.query === 'string' ? e.query : intent.text;
        if (!this.o.search)
          return { kind: 'search', data: { query, hits: [] }, reply: 'The knowledge base is not running.' };
        const res = await this.o.search({ query, k: 5 });
        const hits = res.hits.map((h) => ({
          chunkId: h.chunkId,
          text: h.text.slice(0, 300),
          citation: h.citation,
        }));
        const first = res.hits[0]?.citation as { title?: string } | undefined;
        return {
          kind: 'search',
          data: { query, hits },
          reply: hits.length
            ? `I found ${hits.length} result${hits.length === 1 ? '' : 's'}${first?.title ? `; the best is in ${first.title}` : ''}.`
            : `I found nothing about ${query}.`,
        };
      }
      default:
        if (custom)
          return { kind: 'plugin', data: { result: (await custom(intent as never)) ?? null }, reply: '' };
        return {
          kind: 'ask',
          data: { question: typeof e.question === 'string' ? e.question : intent.text },
          reply: '',
        };
    }
  }

  // ---- files, speech, microphone test --------------------------------------------------------

  async transcribe(
    path: string,
    onProgress?: (p: { doneSec: number; totalSec: number }) => void,
  ): Promise<FileTranscript & { elapsedMs: number }> {
    const t0 = performance.now();
    await probeAudio(path);
    const engine = await this.engine();
    const r = await transcribeFile(engine, path, {
      language: this.o.settings().language,
      ...(onProgress ? { onProgress } : {}),
    });
    return { ...r, elapsedMs: round(performance.now() - t0) };
  }

  /**
   * Audio sent as bytes (a browser has no file paths, the Voice screen's "Try a recording"): written
   * to a private temporary file and transcribed; up to 30 s it is handled as a spoken command.
   */
  async transcribeAudio(
    name: string,
    base64: string,
  ): Promise<FileTranscript & { elapsedMs: number; intent: IntentResultData | null }> {
    const bytes = Buffer.from(base64, 'base64');
    if (!bytes.length) throw new AppError('INVALID_INPUT', 'The audio file is empty.');
    const ext = (/\.[a-z0-9]{1,5}$/i.exec(name)?.[0] ?? '.wav').toLowerCase();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nook-voice-'));
    const file = path.join(dir, `audio${ext}`);
    // Errors name the file the user sent, not the temporary copy.
    const named = (e: unknown): unknown =>
      isAppError(e) ? new AppError(e.code, e.message.split(file).join(name)) : e;
    try {
      await fs.writeFile(file, bytes, { mode: 0o600 });
      const info = await probeAudio(file).catch((e: unknown) => {
        throw named(e);
      });
      // A short recording is a spoken command: it goes through the voice loop like the microphone's
      // (states, action, history); a long one is only transcribed.
      const command = info.durationSec <= COMMAND_MAX_SEC && !this.listening;
      if (command) this.setState('transcribing', { transcript: '', intent: null, error: null });
      let r: FileTranscript & { elapsedMs: number };
      try {
        r = await this.transcribe(file);
      } catch (e) {
        if (command) this.setState('idle', { transcript: '' });
        throw named(e);
      }
      const text = r.text.trim();
      if (!text) {
        if (command) this.setState('idle', { transcript: '' });
        return { ...r, intent: null };
      }
      if (command) {
        const turn = await this.understand(text, 'file', { stt: r.elapsedMs });
        return { ...r, intent: turn.intent };
      }
      return { ...r, intent: (await this.recognizer.recognize(text)) as IntentResultData };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  async speak(text: string, play = this.o.playback === 'system'): Promise<SpeakResult> {
    this.setState('speaking');
    try {
      return await this.tts.speak(text, { play });
    } finally {
      if (this.current.state === 'speaking') this.setState('idle');
    }
  }

  stopSpeaking(): { stopped: boolean } {
    const stopped = this.tts.stop();
    if (this.current.state === 'speaking') this.setState('idle');
    return { stopped };
  }

  /** Records `ms` of audio: does the microphone work, and how loud is it? */
  async testMicrophone(
    ms = 1500,
  ): Promise<{ device: string; ok: boolean; seconds: number; rms: number; peak: number; message: string }> {
    if (this.listening) throw new AppError('CONFLICT', 'Voice is listening; stop it first.');
    const s = this.o.settings();
    const parts: Float32Array[] = [];
    const cap = new MicrophoneCapture();
    await cap.start({
      device: s.inputDevice,
      recorder: s.recorder,
      onAudio: (x) => parts.push(x),
      onLevel: (lv) => this.o.events.emit('voice.level', lv),
    });
    await new Promise((r) => setTimeout(r, ms));
    cap.stop();
    const all = concat(parts);
    const lv = levels(all);
    const ok = all.length > 0;
    return {
      device: s.inputDevice,
      ok,
      seconds: all.length / SAMPLE_RATE,
      rms: round(lv.rms, 4),
      peak: round(lv.peak, 4),
      message: !ok
        ? 'No audio arrived.'
        : lv.peak < 0.001
          ? 'The microphone records, but only silence.'
          : 'The microphone works.',
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.listening?.done(null, 'cancel');
    this.tts.stop();
    const e = this.enginePromise;
    this.enginePromise = null;
    if (e) await (await e.catch(() => null))?.dispose();
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
