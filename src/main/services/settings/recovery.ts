/**
 * Corrupt-file recovery shared by both settings backends (conf in plain Node, electron-store in the
 * Electron shell). Call it BEFORE the store library loads the file: conf throws on invalid JSON and
 * `clearInvalidConfig` would silently wipe it. The unreadable file is renamed, never deleted.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface SettingsRecovery {
  /** Where the unreadable file now lies, byte for byte as it was. */
  backupPath: string;
  reason: string;
  /** Text to show the user. */
  message: string;
}

/** A file name-safe timestamp (no ':' for Windows): 2026-11-21T05-19-07-123Z. */
export function fileTimestamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/**
 * If `file` exists and is not a JSON object, moves it to `<name>.corrupt-<time><ext>` next to it
 * and returns what happened; returns null when the file is absent or readable.
 */
export function quarantineCorruptSettings(file: string, now = new Date()): SettingsRecovery | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const reason = whyUnreadable(text);
  if (reason === null) return null;

  const ext = path.extname(file);
  const stem = path.basename(file, ext);
  let backupPath = path.join(path.dirname(file), `${stem}.corrupt-${fileTimestamp(now)}${ext}`);
  for (let i = 1; fs.existsSync(backupPath); i++) {
    backupPath = path.join(path.dirname(file), `${stem}.corrupt-${fileTimestamp(now)}-${i}${ext}`);
  }
  fs.renameSync(file, backupPath);
  return {
    backupPath,
    reason,
    message:
      `Your settings file was unreadable (${reason}); it was saved as ${path.basename(backupPath)} ` +
      'and the default settings were restored.',
  };
}

function whyUnreadable(text: string): string | null {
  if (text.trim() === '') return 'it was empty';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return `invalid JSON: ${(e as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'it did not hold a settings object';
  return null;
}
