/**
 * A plugin command run by speech, the whole way: espeak-ng speaks the command into a WAV, the voice
 * pipeline as the app runs it (the voice worker thread: whisper, then the intent recogniser with the
 * MiniLM embedder) hears it, recognises the unit-converter plugin's intent (registered from its
 * manifest's voice examples when the plugin loaded) and runs the plugin's command in its Extism
 * worker. The plugin's answer is asserted, not the transcript.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../src/shared/types/settings';
import type { VoiceAction } from '../../../src/shared/types/voice';
import { decodeFile } from '../../../src/main/services/voice/audio';
import { VoiceService } from '../../../src/main/services/voice/voiceService';
import { VoiceWorkerClient } from '../../../src/main/services/voice/workerClient';
import type { PluginIntentResult } from '../../../src/main/services/plugins/pluginService';
import { openDatabase, type Database } from '../../../src/main/services/storage/database';
import { tempDir } from '../helpers/tmp';
import { engineModels, missing } from '../voice/voiceModels';
import { buildPlugins, openHarness, sampleDist, type Harness } from './helpers';

function hasCommand(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const noTools = !hasCommand('espeak-ng') || !hasCommand('sox') ? 'espeak-ng or sox is not installed' : '';
const skip = missing || noTools;
if (skip) console.warn(`Skipping the spoken plugin command: ${skip}`);

/** espeak-ng's voice as 16 kHz mono 16-bit PCM (what the microphone path delivers). */
function speak(dir: string, text: string): string {
  const raw = path.join(dir, `${text.replace(/\W+/g, '_')}.wav`);
  const pcm = raw.replace(/\.wav$/, '.16k.wav');
  execFileSync('espeak-ng', ['-w', raw, text]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', pcm]);
  return pcm;
}

describe.skipIf(!!skip)('a plugin command from synthesised speech', () => {
  const dir = tempDir('plugins-speech');
  let db: Database;
  let engine: VoiceWorkerClient;
  let voice: VoiceService;
  let plugins: Harness;
  const actions: VoiceAction[] = [];

  beforeAll(async () => {
    buildPlugins();
    db = openDatabase(path.join(dir, 'voice.db'));
    engine = new VoiceWorkerClient(engineModels());
    voice = new VoiceService({
      engine: async () => engine,
      settings: () => ({ ...defaultSettings().voice, speakAnswers: false }),
      allowCloud: () => false,
      elevenlabsKey: async () => null,
      db,
      events: {
        emit: (event: string, payload: unknown) => {
          if (event === 'voice.action') actions.push(payload as VoiceAction);
        },
      },
      playback: 'none',
    });
    plugins = await openHarness({ intents: voice }, tempDir('plugins-speech-home'));
    const info = await plugins.service.install(
      path.join(sampleDist('unit-converter'), 'unit-converter.zip'),
      [],
    );
    expect(info.state).toBe('ok');
  }, 300_000);

  afterAll(async () => {
    await plugins?.close();
    await voice?.dispose();
    await engine?.dispose();
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'speech -> whisper -> the plugin intent -> the plugin command, with its answer',
    { timeout: 300_000 },
    async () => {
      // Not one of the manifest's examples ("convert 5 km to miles", ...): the recogniser generalises.
      // (Tried too: "convert 250 grams to ounces", which tiny.en heard once right and once as "Convert
      // 250 grams of glasses", so it would test whisper's luck rather than the plugin path.)
      const cases: Array<[string, string]> = [['convert 12 kilometres to miles', '12 km = 7.4565 mi']];
      for (const [spoken, answer] of cases) {
        const samples = await decodeFile(speak(dir, spoken));
        const turn = await voice.runTurn(samples, 'file');
        expect(turn.noSpeech, spoken).toBe(false);
        expect(turn.intent?.intent, `${spoken} heard as "${turn.interaction?.transcript}"`).toBe(
          'plugin.nook.unit-converter.convert',
        );
        expect(turn.action?.kind).toBe('plugin');
        const result = turn.action!.data.result as PluginIntentResult;
        expect(result).toMatchObject({ pluginId: 'nook.unit-converter', commandId: 'convert' });
        expect(result.text, spoken).toBe(answer);
        // The window hears the same action; the call is counted on the plugin.
        expect(actions.at(-1)).toEqual(turn.action);
      }
      expect(plugins.service.get('nook.unit-converter').stats).toMatchObject({ calls: 1, errors: 0 });
    },
  );
});
