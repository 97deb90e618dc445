/**
 * Microphone capture: a recorder child process (sox or arecord, the command lines of
 * node-record-lpcm16) writing raw 16 kHz mono 16-bit PCM to a pipe, so no audio work blocks the main
 * thread; the main side only forwards buffers. Device listing from `arecord -L` (ALSA names, which
 * both recorders take) and `pactl list short sources` (PulseAudio/PipeWire sources, recorded through
 * the ALSA `pulse` device with PULSE_SOURCE). A level meter (RMS and peak per 50 ms) is reported at
 * most every `levelIntervalMs`. Failures become AppErrors a user can act on: no microphone, no
 * recorder installed, permission denied.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { AppError } from '../../../shared/ipc/result';
import { levels, pcm16ToFloat, SAMPLE_RATE } from './audio';

export interface AudioDevice {
  /** What `start({ device })` takes: an ALSA name, or `pulse:<source>`. */
  id: string;
  label: string;
  backend: 'alsa' | 'pulse';
  isDefault: boolean;
}

export type Recorder = 'sox' | 'arecord';

export interface CaptureOptions {
  /** Device id from `listDevices` (default: the system default). */
  device?: string;
  recorder?: Recorder;
  /** Called with float samples as they arrive (any length). */
  onAudio: (samples: Float32Array) => void;
  onLevel?: (level: { rms: number; peak: number }) => void;
  /** Called when the recorder fails after it started (unplugged, killed). */
  onError?: (e: AppError) => void;
  levelIntervalMs?: number;
  /** How long to wait for the first audio before giving up (default 5000 ms). */
  startTimeoutMs?: number;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5000 }, (err, stdout) => resolve(err && !stdout ? '' : String(stdout)));
  });
}

/** ALSA capture devices (`arecord -L`) and PulseAudio sources (`pactl list short sources`). */
export async function listDevices(): Promise<AudioDevice[]> {
  const [alsa, pulse] = await Promise.all([
    run('arecord', ['-L']),
    run('pactl', ['list', 'short', 'sources']),
  ]);
  const out: AudioDevice[] = [];
  const lines = alsa.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const name = lines[i]!;
    if (!name || /^\s/.test(name) || name === 'null') continue;
    const desc = (lines[i + 1] ?? '').trim();
    out.push({
      id: name,
      label: desc ? `${desc} (${name})` : name,
      backend: 'alsa',
      isDefault: name === 'default',
    });
  }
  for (const line of pulse.split('\n')) {
    const cols = line.split('\t');
    if (cols.length < 2 || !cols[1]) continue;
    const source = cols[1];
    out.push({
      id: `pulse:${source}`,
      label: source.endsWith('.monitor') ? `Monitor of ${source.slice(0, -8)}` : source,
      backend: 'pulse',
      isDefault: false,
    });
  }
  return out;
}

interface RecorderCommand {
  cmd: string;
  args: string[];
  spawnOptions?: { env?: NodeJS.ProcessEnv };
}

/**
 * The recorder's command line from node-record-lpcm16, with small buffers: sox's default 8 KiB buffer
 * is 256 ms of this audio and arecord's default period 125 ms, and every millisecond audio waits in
 * a buffer is a millisecond added to the reply. 1 KiB / 32 ms periods deliver one VAD frame at a time.
 */
export function recorderCommand(recorder: Recorder, device: string | undefined): RecorderCommand {
  const load = (
    createRequire(import.meta.url)('node-record-lpcm16/recorders') as {
      load(name: string): (o: object) => RecorderCommand;
    }
  ).load;
  const cmd = load(recorder)({
    sampleRate: SAMPLE_RATE,
    channels: 1,
    audioType: 'raw',
    threshold: 0,
    endOnSilence: false,
    ...(device ? { device } : {}),
  });
  const small = recorder === 'sox' ? ['--buffer', '1024'] : ['--period-time=32000', '--buffer-time=256000'];
  return { ...cmd, args: [...small, ...cmd.args.map(String)] };
}

/** A recorder's stderr and exit, as the error a user sees. */
export function classifyRecorderFailure(
  recorder: string,
  stderr: string,
  device: string | undefined,
): AppError {
  const text = stderr.toLowerCase();
  const where = device ? ` "${device}"` : '';
  if (/permission denied|operation not permitted|eacces/.test(text))
    return new AppError(
      'FORBIDDEN',
      `Microphone access was denied${where}. Allow Nook to use the microphone in the system settings.`,
    );
  if (/busy/.test(text))
    return new AppError('UNAVAILABLE', `The microphone${where} is in use by another application.`);
  const line =
    stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? '';
  return new AppError(
    'UNAVAILABLE',
    `No microphone found${where}: ${recorder} could not open it${line ? ` (${line})` : ''}. Connect one or pick another input device in Settings.`,
  );
}

export class MicrophoneCapture {
  private child: ChildProcess | null = null;
  private stopping = false;

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts recording; resolves once audio flows, rejects with an AppError when it cannot. */
  start(o: CaptureOptions): Promise<void> {
    if (this.child) throw new AppError('CONFLICT', 'The microphone is already recording.');
    const recorder = o.recorder ?? 'sox';
    let device = o.device && o.device !== 'default' ? o.device : undefined;
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (device?.startsWith('pulse:')) {
      env.PULSE_SOURCE = device.slice(6);
      device = 'pulse';
    }
    const cmd = recorderCommand(recorder, device);
    const child = spawn(cmd.cmd, cmd.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env,
        ...cmd.spawnOptions?.env,
        ...(env.PULSE_SOURCE ? { PULSE_SOURCE: env.PULSE_SOURCE } : {}),
      },
    });
    this.child = child;
    this.stopping = false;
    let stderr = '';
    let started = false;
    let rest = Buffer.alloc(0);
    const frame = Math.round(SAMPLE_RATE * 0.05);
    let meterBuf: Float32Array[] = [];
    let meterLen = 0;
    let lastLevelAt = 0;
    let pendingLevel = { rms: 0, peak: 0 };
    const interval = o.levelIntervalMs ?? 100;

    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (started) return;
        this.stop();
        reject(
          new AppError(
            'TIMEOUT',
            `The microphone${device ? ` "${o.device}"` : ''} produced no audio within ${(o.startTimeoutMs ?? 5000) / 1000} s.`,
          ),
        );
      }, o.startTimeoutMs ?? 5000);
      child.stderr!.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      child.stdout!.on('data', (d: Buffer) => {
        if (!started) {
          started = true;
          clearTimeout(timer);
          resolve();
        }
        const bytes = rest.length ? Buffer.concat([rest, d]) : d;
        const even = bytes.length & ~1;
        rest = Buffer.from(bytes.subarray(even));
        if (!even) return;
        const samples = pcm16ToFloat(bytes.subarray(0, even));
        o.onAudio(samples);
        if (!o.onLevel) return;
        meterBuf.push(samples);
        meterLen += samples.length;
        while (meterLen >= frame) {
          const all = new Float32Array(meterLen);
          let at = 0;
          for (const m of meterBuf) {
            all.set(m, at);
            at += m.length;
          }
          const l = levels(all.subarray(0, frame));
          pendingLevel = {
            rms: Math.max(pendingLevel.rms, l.rms),
            peak: Math.max(pendingLevel.peak, l.peak),
          };
          meterBuf = [all.slice(frame)];
          meterLen -= frame;
        }
        const now = Date.now();
        if (now - lastLevelAt >= interval) {
          lastLevelAt = now;
          o.onLevel(pendingLevel);
          pendingLevel = { rms: 0, peak: 0 };
        }
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.child = null;
        const err =
          e.code === 'ENOENT'
            ? new AppError(
                'UNAVAILABLE',
                `The recorder "${cmd.cmd}" is not installed (install sox or alsa-utils).`,
              )
            : new AppError('UNAVAILABLE', `The recorder could not start: ${e.message}`);
        if (!started) reject(err);
        else o.onError?.(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) this.child = null;
        if (this.stopping || signal === 'SIGTERM' || signal === 'SIGKILL') return;
        const err = classifyRecorderFailure(cmd.cmd, stderr, o.device);
        if (!started) reject(err);
        else if (code !== 0) o.onError?.(err);
      });
    });
  }

  stop(): void {
    const c = this.child;
    if (!c) return;
    this.stopping = true;
    this.child = null;
    c.kill('SIGTERM');
    setTimeout(() => {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, 1000).unref();
  }
}
