/** Text to speech: espeak-ng locally, ElevenLabs streaming against a local stand-in server, fallbacks, stop. */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextToSpeech, type TtsSettings } from '../../../src/main/services/voice/tts';
import { readWav } from '../../../src/main/services/inference/wav';
import { createPiperTts } from '../../../src/main/services/inference/tts';
import { AppError } from '../../../src/shared/ipc/result';
import { modelsDir } from '../../models/modelFiles';

let server: http.Server;
let base = '';
const seen: Array<{ url: string; key: string | undefined; body: unknown }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({
        url: req.url ?? '',
        key: req.headers['xi-api-key'] as string | undefined,
        body: JSON.parse(body || '{}'),
      });
      if (req.url?.includes('broken')) {
        res.writeHead(500).end('nope');
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/pcm' });
      // 0.5 s of a 440 Hz tone at 16 kHz, sent in 4 chunks.
      const pcm = Buffer.alloc(16_000);
      for (let i = 0; i < 8000; i++)
        pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16_000)), i * 2);
      let i = 0;
      const next = (): void => {
        if (i >= 4) return void res.end();
        res.write(pcm.subarray(i * 4000, (i + 1) * 4000));
        i++;
        setTimeout(next, 20);
      };
      next();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function make(over: Partial<TtsSettings>, allowCloud: boolean, key: string | null): TextToSpeech {
  const settings: TtsSettings = {
    engine: 'local',
    voice: 'en-us',
    rate: 175,
    elevenlabsVoiceId: 'voice123',
    elevenlabsModel: 'eleven_flash_v2_5',
    elevenlabsBaseUrl: base,
    ...over,
  };
  return new TextToSpeech({
    settings: () => settings,
    allowCloud: () => allowCloud,
    apiKey: async () => key,
  });
}

describe('text to speech', () => {
  it('speaks locally with espeak-ng: a WAV with audio, time to first audio measured', async () => {
    const r = await make({}, false, null).speak('Hello, this is Nook.', { play: false });
    expect(r.engine).toBe('espeak-ng');
    const wav = readWav(r.wav);
    expect(wav.samples.length / wav.sampleRate).toBeGreaterThan(0.5);
    expect(Math.max(...wav.samples.map(Math.abs))).toBeGreaterThan(0.05);
    expect(r.firstAudioMs).toBeGreaterThan(0);
    expect(r.firstAudioMs).toBeLessThanOrEqual(r.totalMs);
  });

  it('streams from ElevenLabs only with a key AND cloud providers allowed', async () => {
    const r = await make({ engine: 'elevenlabs' }, true, 'sk-test-key').speak('Hi there', { play: false });
    expect(r.engine).toBe('elevenlabs');
    expect(readWav(r.wav).samples.length).toBe(8000);
    expect(seen.at(-1)).toMatchObject({
      url: '/v1/text-to-speech/voice123/stream?output_format=pcm_16000',
      key: 'sk-test-key',
      body: { text: 'Hi there', model_id: 'eleven_flash_v2_5' },
    });
    const before = seen.length;
    const noCloud = await make({ engine: 'elevenlabs' }, false, 'sk-test-key').speak('Hi', { play: false });
    expect(noCloud).toMatchObject({
      engine: 'espeak-ng',
      fallbackReason: expect.stringContaining('cloud providers are off'),
    });
    const noKey = await make({ engine: 'elevenlabs' }, true, null).speak('Hi', { play: false });
    expect(noKey).toMatchObject({
      engine: 'espeak-ng',
      fallbackReason: expect.stringContaining('no ElevenLabs API key'),
    });
    expect(seen.length).toBe(before);
  });

  it('falls back to espeak-ng when ElevenLabs fails', async () => {
    const r = await make({ engine: 'elevenlabs', elevenlabsVoiceId: 'broken/x' }, true, 'k').speak('Hi', {
      play: false,
    });
    expect(r).toMatchObject({ engine: 'espeak-ng', fallbackReason: expect.stringContaining('HTTP 500') });
  });

  it('stop() interrupts speech at once', async () => {
    const tts = make({ rate: 80 }, false, null);
    const long = 'This sentence is long. '.repeat(40);
    const p = tts.speak(long, { play: false });
    await new Promise((r) => setTimeout(r, 100));
    const t = performance.now();
    expect(tts.stop()).toBe(true);
    const r = await p.catch((e: unknown) => e);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(r).toMatchObject({ interrupted: true });
    expect(tts.speaking).toBe(false);
  });
});

const piperDir = path.join(modelsDir, 'piper-en-us-joe-medium');
const havePiper = fs.existsSync(path.join(piperDir, 'en_US-joe-medium.onnx'));

describe('local speech with the Piper voice', () => {
  it.skipIf(!havePiper)(
    'speaks sentence by sentence: first audio before the whole answer',
    { timeout: 120_000 },
    async () => {
      const voice = await createPiperTts({
        onnxPath: path.join(piperDir, 'en_US-joe-medium.onnx'),
        configPath: path.join(piperDir, 'en_US-joe-medium.onnx.json'),
      });
      try {
        const settings: TtsSettings = {
          engine: 'local',
          voice: 'en-us',
          rate: 175,
          elevenlabsVoiceId: 'v',
          elevenlabsModel: 'm',
          elevenlabsBaseUrl: base,
        };
        const tts = new TextToSpeech({
          settings: () => settings,
          allowCloud: () => false,
          apiKey: async () => null,
          piper: (text, lengthScale) => voice.synthesize(text, { lengthScale }),
        });
        const r = await tts.speak('Good morning. You have two meetings today.', { play: false });
        expect(r.engine).toBe('piper');
        const wav = readWav(r.wav);
        expect(wav.sampleRate).toBe(22050);
        expect(wav.samples.length / 22050).toBeGreaterThan(1.5);
        expect(r.firstAudioMs).toBeLessThan(r.totalMs);
      } finally {
        await voice.dispose();
      }
    },
  );

  it('no voice installed: espeak-ng without complaint; a failing voice: espeak-ng with the reason', async () => {
    const local: TtsSettings = {
      engine: 'local',
      voice: 'en-us',
      rate: 175,
      elevenlabsVoiceId: 'v',
      elevenlabsModel: 'm',
      elevenlabsBaseUrl: base,
    };
    const none = new TextToSpeech({
      settings: () => local,
      allowCloud: () => false,
      apiKey: async () => null,
      piper: () => Promise.reject(new AppError('UNAVAILABLE', 'No Piper voice is installed.')),
    });
    const a = await none.speak('Hello.', { play: false });
    expect(a.engine).toBe('espeak-ng');
    expect(a.fallbackReason).toBeUndefined();
    const broken = new TextToSpeech({
      settings: () => local,
      allowCloud: () => false,
      apiKey: async () => null,
      piper: () => Promise.reject(new Error('onnx exploded')),
    });
    expect(await broken.speak('Hello.', { play: false })).toMatchObject({
      engine: 'espeak-ng',
      fallbackReason: 'Piper failed: onnx exploded',
    });
  });
});
