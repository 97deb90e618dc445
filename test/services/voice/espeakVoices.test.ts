/** The espeak-ng voice list behind the voice picker in Settings (voice.ttsVoices). */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listEspeakVoices, parseEspeakVoices } from '../../../src/main/services/voice/espeakVoices';
import { createDispatcher } from '../../../src/main/rpc/dispatcher';
import { createHandlers, type HandlerDeps } from '../../../src/main/rpc/handlers';
import { routes } from '../../../src/shared/ipc/contract';

const VOICES = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  af              --/M      Afrikaans          gmw/af
 5  chr-US-Qaaa-x-west --/M      Cherokee_          iro/chr
 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 2  en-us           --/F      English_(America)  gmw/en-US            (en 3)
 5  en-us           --/M      English_(America)_again gmw/en-US
 5  -x              --/M      Not_an_option      gmw/x
garbage line
`;

const VARIANTS = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  variant         --/M      Adam               !v/adam
 5  variant         35/M      Denis              !v/Denis
 5  variant         --/F      Female_3           !v/f3
 5  variant         --/-      Odd                !v/odd
 5  variant         --/M      No_file            gmw/en
`;

function hasEspeak(): boolean {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('parseEspeakVoices', () => {
  it('reads languages as ids and names with spaces, skipping bad lines, option-like ids and repeats', () => {
    expect(parseEspeakVoices(VOICES, 'voices')).toEqual([
      { id: 'af', name: 'Afrikaans', gender: 'male' },
      { id: 'chr-US-Qaaa-x-west', name: 'Cherokee', gender: 'male' },
      { id: 'cmn', name: 'Chinese (Mandarin, latin as English)', gender: 'male' },
      { id: 'en-gb', name: 'English (Great Britain)', gender: 'male' },
      { id: 'en-us', name: 'English (America)', gender: 'female' },
    ]);
  });

  it('reads variants by their file name (what follows "+" in en-us+f3)', () => {
    expect(parseEspeakVoices(VARIANTS, 'variants')).toEqual([
      { id: 'adam', name: 'Adam', gender: 'male' },
      { id: 'Denis', name: 'Denis', gender: 'male' },
      { id: 'f3', name: 'Female 3', gender: 'female' },
      { id: 'odd', name: 'Odd', gender: 'unknown' },
    ]);
  });

  it('gives nothing for empty output', () => {
    expect(parseEspeakVoices('', 'voices')).toEqual([]);
  });
});

describe.skipIf(!hasEspeak())('listEspeakVoices with the installed espeak-ng', () => {
  it('lists en-us and the f3 variant, and espeak-ng speaks with a listed voice+variant', async () => {
    const list = await listEspeakVoices();
    expect(list.voices.length).toBeGreaterThan(20);
    expect(list.voices.map((v) => v.id)).toContain('en-us');
    expect(list.variants.map((v) => v.id)).toContain('f3');
    // Sorted by name, for the picker.
    const names = list.voices.map((v) => v.name);
    expect([...names].sort((a, b) => a.localeCompare(b))).toEqual(names);
    const wav = execFileSync('espeak-ng', ['--stdout', '-v', 'en-us+f3', 'hi']);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
  });

  it('answers voice.ttsVoices through the dispatcher without a voice service, within its output schema', async () => {
    const dispatcher = createDispatcher(createHandlers({} as HandlerDeps));
    const r = await dispatcher.dispatch('voice.ttsVoices', {}, { transport: 'internal' });
    expect(r.ok).toBe(true);
    const out = routes['voice.ttsVoices'].output.parse(r.ok ? r.value : null);
    expect(out.voices.some((v) => v.id === 'en-gb')).toBe(true);
    // The route takes no input.
    const bad = await dispatcher.dispatch('voice.ttsVoices', { x: 1 }, { transport: 'internal' });
    expect(bad.ok ? null : bad.code).toBe('INVALID_INPUT');
  });
});
