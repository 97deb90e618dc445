/**
 * The voices espeak-ng can speak with, for the voice picker in Settings: its languages
 * (`espeak-ng --voices`, ids such as `en-us`) and its variants (`espeak-ng --voices=variant`, ids such
 * as `f3` or `klatt`, added to a language as `en-us+f3`). Both lists come from the installed espeak-ng
 * and do not change while Nook runs, so a successful listing is kept.
 */
import { execFile } from 'node:child_process';
import { AppError } from '../../../shared/ipc/result';

export type EspeakGender = 'male' | 'female' | 'unknown';

export interface EspeakVoice {
  /** What `-v` takes: a language id (`en-us`) or, for a variant, its file name (`f3`). */
  id: string;
  /** espeak-ng's name, with spaces (`English (America)`). */
  name: string;
  gender: EspeakGender;
}

export interface EspeakVoiceList {
  voices: EspeakVoice[];
  variants: EspeakVoice[];
}

/** A voice or variant id espeak-ng takes on its command line (nothing that could read as an option). */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;

// "Pty Language Age/Gender VoiceName File Other-languages"; VoiceName uses '_' for spaces.
const LINE = /^\s*\d+\s+(\S+)\s+\S*\/([MF-])\s+(\S+)\s+(\S+)/;

function gender(g: string): EspeakGender {
  return g === 'M' ? 'male' : g === 'F' ? 'female' : 'unknown';
}

/**
 * Parses `espeak-ng --voices` (kind 'voices': the id is the language column) or
 * `espeak-ng --voices=variant` (kind 'variants': the id is the file name after `!v/`).
 * Lines that do not parse, and ids espeak-ng would not take as `-v`, are skipped; the first of a
 * repeated id wins.
 */
export function parseEspeakVoices(text: string, kind: 'voices' | 'variants'): EspeakVoice[] {
  const out: EspeakVoice[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, language, g, name, file] = m as unknown as [string, string, string, string, string];
    const id = kind === 'voices' ? language : file.startsWith('!v/') ? file.slice(3) : '';
    if (!ID.test(id) || seen.has(id)) continue;
    seen.add(id);
    out.push({ id, name: name.replace(/_/g, ' ').trim(), gender: gender(g) });
  }
  return out;
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('espeak-ng', args, { timeout: 5000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT')
        return reject(
          new AppError(
            'UNAVAILABLE',
            'espeak-ng is not installed: local speech needs it (apt install espeak-ng).',
          ),
        );
      if (err && !stdout)
        return reject(new AppError('UNAVAILABLE', `espeak-ng could not list its voices: ${err.message}`));
      resolve(String(stdout));
    });
  });
}

let cached: EspeakVoiceList | null = null;

/** The installed espeak-ng's voices and variants, sorted by name; UNAVAILABLE without espeak-ng. */
export async function listEspeakVoices(): Promise<EspeakVoiceList> {
  if (cached) return cached;
  const [voices, variants] = await Promise.all([run(['--voices']), run(['--voices=variant'])]);
  const byName = (a: EspeakVoice, b: EspeakVoice) => a.name.localeCompare(b.name);
  const list = {
    voices: parseEspeakVoices(voices, 'voices').sort(byName),
    variants: parseEspeakVoices(variants, 'variants').sort(byName),
  };
  if (list.voices.length === 0)
    throw new AppError('UNAVAILABLE', 'espeak-ng lists no voices: its data files may be missing.');
  cached = list;
  return list;
}
