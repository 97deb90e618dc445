/**
 * Text to speech. ElevenLabs streaming when the user stored an API key (keychain id
 * `voice.elevenlabs`) AND allowed cloud providers; otherwise, or when the cloud fails, local speech
 * with no network: the Piper voice from the manifest (ONNX in the voice worker, sentence by sentence
 * so the first sentence plays while the rest is synthesised), else espeak-ng. Audio either plays through the system (`aplay`, a child process) or comes
 * back as WAV bytes for the renderer to play (the browser host). `stop()` interrupts at once: it kills
 * the synthesiser, the player and the HTTP stream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { AppError, isAppError } from '../../../shared/ipc/result';
import type { SpeechAudio } from '../inference/tts';

export const ELEVENLABS_SECRET_ID = 'voice.elevenlabs';

export interface TtsSettings {
  /** local: Piper when a voice is installed, else espeak-ng. */
  engine: 'local' | 'espeak' | 'elevenlabs';
  /** espeak-ng voice (`en-us`, `en-gb`, ...). */
  voice: string;
  /** Words per minute (espeak-ng -s); ElevenLabs ignores it. */
  rate: number;
  elevenlabsVoiceId: string;
  elevenlabsModel: string;
  elevenlabsBaseUrl: string;
}

export interface TtsDeps {
  settings: () => TtsSettings;
  allowCloud: () => boolean;
  /** The ElevenLabs key from the keychain (main process only), or null. */
  apiKey: () => Promise<string | null>;
  log?: { warn(obj: object, msg?: string): void };
  /** The Piper voice (rejects with UNAVAILABLE when none is installed). */
  piper?: (text: string, lengthScale: number) => Promise<SpeechAudio>;
}

export interface SpeakResult {
  engine: 'piper' | 'espeak-ng' | 'elevenlabs';
  /** The whole utterance as a 16-bit mono WAV file. */
  wav: Buffer;
  sampleRate: number;
  /** From the call to the first audio bytes (ms). */
  firstAudioMs: number;
  totalMs: number;
  played: boolean;
  interrupted: boolean;
  /** Why the cloud engine was not used, when it was asked for. */
  fallbackReason?: string;
}

function wavHeader(dataBytes: number, sampleRate: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** The PCM bytes of a WAV stream (espeak-ng writes 0xffffffff sizes to a pipe) and its rate. */
function splitWav(bytes: Buffer): { rate: number; pcm: Buffer } {
  if (bytes.length < 44 || bytes.toString('ascii', 0, 4) !== 'RIFF') return { rate: 22050, pcm: bytes };
  const rate = bytes.readUInt32LE(24);
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'data') return { rate, pcm: bytes.subarray(at + 8) };
    at += 8 + size;
  }
  return { rate, pcm: bytes.subarray(44) };
}

export class TextToSpeech {
  private procs = new Set<ChildProcess>();
  private http: AbortController | null = null;
  private generation = 0;

  constructor(private readonly d: TtsDeps) {}

  get speaking(): boolean {
    return this.procs.size > 0 || this.http !== null;
  }

  /** Interrupts whatever is being spoken; true when something was. */
  stop(): boolean {
    const was = this.speaking;
    this.generation++;
    this.http?.abort();
    this.http = null;
    for (const p of this.procs) p.kill('SIGKILL');
    this.procs.clear();
    return was;
  }

  async speak(text: string, options: { play: boolean }): Promise<SpeakResult> {
    const clean = text.trim();
    if (!clean) throw new AppError('INVALID_INPUT', 'Nothing to say.');
    this.stop();
    const gen = this.generation;
    const s = this.d.settings();
    let fallbackReason: string | undefined;
    if (s.engine === 'elevenlabs') {
      const key = this.d.allowCloud() ? await this.d.apiKey().catch(() => null) : null;
      if (!this.d.allowCloud()) fallbackReason = 'cloud providers are off in Settings → Privacy';
      else if (!key) fallbackReason = 'no ElevenLabs API key is stored';
      else {
        try {
          return await this.elevenlabs(clean, key, s, options.play, gen);
        } catch (e) {
          if (e instanceof AppError && e.code === 'CANCELLED') throw e;
          fallbackReason = `ElevenLabs failed: ${(e as Error).message}`;
          this.d.log?.warn({}, `text to speech: ${fallbackReason}; using espeak-ng`);
        }
      }
    }
    if (s.engine !== 'espeak' && this.d.piper) {
      try {
        const r = await this.piper(clean, s, options.play, gen);
        return fallbackReason ? { ...r, fallbackReason } : r;
      } catch (e) {
        if (isAppError(e) && e.code === 'CANCELLED') throw e;
        // No voice installed (or voice models not loadable) is the normal espeak-ng case, not a failure.
        if (!(isAppError(e) && e.code === 'UNAVAILABLE')) {
          fallbackReason ??= `Piper failed: ${(e as Error).message}`;
          this.d.log?.warn({}, `text to speech: Piper failed; using espeak-ng`);
        }
      }
    }
    const r = await this.espeak(clean, s, options.play, gen);
    return fallbackReason ? { ...r, fallbackReason } : r;
  }

  private track(p: ChildProcess): ChildProcess {
    this.procs.add(p);
    p.on('close', () => this.procs.delete(p));
    return p;
  }

  private startPlayer(rate: number): ChildProcess | null {
    const player = this.track(
      spawn('aplay', ['-q', '-t', 'raw', '-f', 'S16_LE', '-c', '1', '-r', String(rate)], {
        stdio: ['pipe', 'ignore', 'ignore'],
      }),
    );
    player.on('error', () => undefined);
    player.stdin!.on('error', () => undefined);
    return player;
  }

  private waitPlayer(player: ChildProcess | null): Promise<boolean> {
    if (!player) return Promise.resolve(false);
    return new Promise((resolve) => {
      if (player.exitCode !== null) return resolve(player.exitCode === 0);
      player.on('close', (code) => resolve(code === 0));
      player.on('error', () => resolve(false));
    });
  }

  private async piper(text: string, s: TtsSettings, play: boolean, gen: number): Promise<SpeakResult> {
    const t0 = performance.now();
    const sentences = (text.match(/[^.!?;]+[.!?;]*/g) ?? [text]).map((x) => x.trim()).filter(Boolean);
    const chunks: Buffer[] = [];
    let player: ChildProcess | null = null;
    let rate = 22050;
    let firstAudioMs = -1;
    for (const sentence of sentences) {
      if (gen !== this.generation) break;
      const audio = await this.d.piper!(sentence, 175 / Math.max(80, Math.min(450, s.rate)));
      if (gen !== this.generation) break;
      rate = audio.sampleRate;
      const pcm = Buffer.alloc(audio.samples.length * 2);
      for (let i = 0; i < audio.samples.length; i++)
        pcm.writeInt16LE(Math.round(Math.max(-1, Math.min(1, audio.samples[i]!)) * 32767), i * 2);
      if (firstAudioMs < 0) firstAudioMs = performance.now() - t0;
      chunks.push(pcm);
      if (play) {
        player ??= this.startPlayer(rate);
        player?.stdin?.write(pcm);
      }
    }
    player?.stdin?.end();
    const interrupted = gen !== this.generation;
    if (!chunks.length && !interrupted) throw new AppError('INTERNAL', 'Piper produced no audio');
    const played = await this.waitPlayer(player);
    const pcm = Buffer.concat(chunks);
    return {
      engine: 'piper',
      wav: Buffer.concat([wavHeader(pcm.length, rate), pcm]),
      sampleRate: rate,
      firstAudioMs: Math.max(0, firstAudioMs),
      totalMs: performance.now() - t0,
      played: played && !interrupted,
      interrupted,
    };
  }

  private espeak(text: string, s: TtsSettings, play: boolean, gen: number): Promise<SpeakResult> {
    const t0 = performance.now();
    const rate = Math.round(Math.max(80, Math.min(450, s.rate)));
    const p = this.track(
      spawn('espeak-ng', ['--stdout', '-v', s.voice || 'en-us', '-s', String(rate), '--', text], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let firstAudioMs = -1;
      let player: ChildProcess | null = null;
      let header = Buffer.alloc(0);
      let headerDone = false;
      let err = '';
      p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      p.stdout!.on('data', (d: Buffer) => {
        chunks.push(d);
        if (firstAudioMs < 0) firstAudioMs = performance.now() - t0;
        if (!play) return;
        if (!headerDone) {
          header = Buffer.concat([header, d]);
          if (header.length < 44) return;
          headerDone = true;
          const { rate: r, pcm } = splitWav(header);
          player = this.startPlayer(r);
          player?.stdin?.write(pcm);
          return;
        }
        player?.stdin?.write(d);
      });
      p.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'ENOENT'
            ? new AppError(
                'UNAVAILABLE',
                'espeak-ng is not installed: local speech needs it (apt install espeak-ng).',
              )
            : e,
        ),
      );
      p.on('close', (code) => {
        (player as ChildProcess | null)?.stdin?.end();
        const interrupted = gen !== this.generation;
        if (code !== 0 && !interrupted)
          return reject(new AppError('INTERNAL', `espeak-ng failed: ${err.trim() || `exit ${code}`}`));
        const { rate: r, pcm } = splitWav(Buffer.concat(chunks));
        void this.waitPlayer(player).then((played) =>
          resolve({
            engine: 'espeak-ng',
            wav: Buffer.concat([wavHeader(pcm.length, r), pcm]),
            sampleRate: r,
            firstAudioMs: Math.max(0, firstAudioMs),
            totalMs: performance.now() - t0,
            played: played && gen === this.generation,
            interrupted: gen !== this.generation,
          }),
        );
      });
    });
  }

  private async elevenlabs(
    text: string,
    key: string,
    s: TtsSettings,
    play: boolean,
    gen: number,
  ): Promise<SpeakResult> {
    const t0 = performance.now();
    const rate = 16_000;
    const base = s.elevenlabsBaseUrl.replace(/\/+$/, '');
    const url = `${base}/v1/text-to-speech/${encodeURIComponent(s.elevenlabsVoiceId)}/stream?output_format=pcm_${rate}`;
    const controller = new AbortController();
    this.http = controller;
    const timeout = setTimeout(() => controller.abort(), 15_000);
    let player: ChildProcess | null = null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'xi-api-key': key, 'content-type': 'application/json', accept: 'audio/pcm' },
        body: JSON.stringify({ text, model_id: s.elevenlabsModel }),
        signal: controller.signal,
      });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const chunks: Buffer[] = [];
      let firstAudioMs = -1;
      if (play) player = this.startPlayer(rate);
      for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(timeout);
        const b = Buffer.from(part);
        if (firstAudioMs < 0) firstAudioMs = performance.now() - t0;
        chunks.push(b);
        player?.stdin?.write(b);
      }
      player?.stdin?.end();
      const pcm = Buffer.concat(chunks);
      if (!pcm.length) throw new Error('no audio in the answer');
      const played = await this.waitPlayer(player);
      return {
        engine: 'elevenlabs',
        wav: Buffer.concat([wavHeader(pcm.length & ~1, rate), pcm.subarray(0, pcm.length & ~1)]),
        sampleRate: rate,
        firstAudioMs,
        totalMs: performance.now() - t0,
        played: played && gen === this.generation,
        interrupted: false,
      };
    } catch (e) {
      player?.kill('SIGKILL');
      if (gen !== this.generation) throw new AppError('CANCELLED', 'Speech was stopped.');
      throw e;
    } finally {
      clearTimeout(timeout);
      if (this.http === controller) this.http = null;
    }
  }
}
