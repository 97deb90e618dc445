/** The voice engine in its worker thread: the same answers as in-process, errors as AppErrors. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src/main/services/voice/audio';
import { VoiceWorkerClient } from '../../../src/main/services/voice/workerClient';
import { engineModels, fixturesDir, missing } from './voiceModels';

describe.skipIf(!!missing)(`voice worker${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const client = missing ? null : new VoiceWorkerClient(engineModels());
  afterAll(() => client?.dispose());

  it('runs Silero VAD and the intent embedder off the main thread', { timeout: 120_000 }, async () => {
    const yes = await decodeFile(path.join(fixturesDir, 'audio/speech-commands/yes_1000ms.wav'));
    const noise = await decodeFile(path.join(fixturesDir, 'audio/speech-commands/noise_1000ms.wav'));
    const s = await client!.vadOpen();
    const pYes = await client!.vadPush(s, yes.subarray(0, 31 * 512));
    await client!.vadClose(s);
    const n = await client!.vadOpen();
    const pNoise = await client!.vadPush(n, noise.subarray(0, 31 * 512));
    expect(pYes).toHaveLength(31);
    expect(Math.max(...pYes)).toBeGreaterThan(0.9);
    expect(Math.max(...pNoise)).toBeLessThan(0.3);
    const [a, b, c] = await client!.embed([
      'open the settings',
      'go to settings',
      'what is the capital of peru',
    ]);
    const cos = (x: Float32Array, y: Float32Array): number => x.reduce((acc, v, i) => acc + v * y[i]!, 0);
    expect(a).toHaveLength(384);
    expect(cos(a!, b!)).toBeGreaterThan(cos(a!, c!));
  });

  it(
    'a model that cannot load is an UNAVAILABLE error, and the client can be disposed',
    { timeout: 60_000 },
    async () => {
      const bad = new VoiceWorkerClient({
        ...engineModels(),
        vadPath: path.join(fixturesDir, 'audio/jfk.txt'),
      });
      await expect(bad.vadOpen()).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringContaining('VAD model'),
      });
      await bad.dispose();
      await expect(bad.vadOpen()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    },
  );
});
