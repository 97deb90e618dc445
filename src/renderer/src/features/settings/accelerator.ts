/**
 * Checks a global-hotkey accelerator the way Electron's globalShortcut reads it, so the Settings
 * screen can say what is wrong before the main process refuses it.
 * https://www.electronjs.org/docs/latest/api/accelerator
 */
const MODIFIERS = new Map(
  [
    'Command',
    'Cmd',
    'Control',
    'Ctrl',
    'CommandOrControl',
    'CmdOrCtrl',
    'Alt',
    'Option',
    'AltGr',
    'Shift',
    'Super',
    'Meta',
  ].map((m) => [m.toLowerCase(), m]),
);

const NAMED_KEYS = [
  'Plus',
  'Space',
  'Tab',
  'Capslock',
  'Numlock',
  'Scrolllock',
  'Backspace',
  'Delete',
  'Insert',
  'Return',
  'Enter',
  'Up',
  'Down',
  'Left',
  'Right',
  'Home',
  'End',
  'PageUp',
  'PageDown',
  'Escape',
  'Esc',
  'PrintScreen',
  ...Array.from({ length: 24 }, (_, i) => `F${i + 1}`),
  ...Array.from({ length: 10 }, (_, i) => `num${i}`),
];
const KEYS = new Map(NAMED_KEYS.map((k) => [k.toLowerCase(), k]));

export type AcceleratorCheck = { ok: true; normalized: string } | { ok: false; message: string };

export function checkAccelerator(raw: string): AcceleratorCheck {
  const value = raw.trim();
  if (value === '') return { ok: false, message: 'Enter a shortcut, for example CommandOrControl+Alt+K.' };
  if (value.length > 64) return { ok: false, message: 'That shortcut is too long.' };
  const parts = value.split('+').map((p) => p.trim());
  if (parts.some((p) => p === ''))
    return { ok: false, message: 'Join keys with a single "+", for example Ctrl+Alt+K.' };
  const mods: string[] = [];
  const keys: string[] = [];
  for (const part of parts) {
    const lower = part.toLowerCase();
    const mod = MODIFIERS.get(lower);
    if (mod) {
      if (mods.includes(mod)) return { ok: false, message: `${mod} appears twice.` };
      mods.push(mod);
      continue;
    }
    if (/^[a-z0-9]$/i.test(part)) keys.push(part.toUpperCase());
    else if (KEYS.has(lower)) keys.push(KEYS.get(lower)!);
    else return { ok: false, message: `"${part}" is not a key Electron knows.` };
  }
  if (keys.length === 0)
    return { ok: false, message: 'Add a key after the modifiers, for example K or Space.' };
  if (keys.length > 1)
    return { ok: false, message: `Use one key with modifiers, not ${keys.join(' and ')}.` };
  const key = keys[0]!;
  const isFunctionKey = /^F\d+$/.test(key);
  if (mods.length === 0 && !isFunctionKey) {
    return {
      ok: false,
      message: 'Add a modifier (Ctrl, Alt, Shift or Super), or it would steal a key you type.',
    };
  }
  if (mods.length === 1 && mods[0] === 'Shift' && !isFunctionKey) {
    return { ok: false, message: 'Shift alone would steal a character you type; add Ctrl, Alt or Super.' };
  }
  return { ok: true, normalized: [...mods, key].join('+') };
}

/** The two accelerators must differ (compared case-insensitively after normalising). */
export function sameAccelerator(a: string, b: string): boolean {
  const ca = checkAccelerator(a);
  const cb = checkAccelerator(b);
  const na = ca.ok ? ca.normalized : a.trim();
  const nb = cb.ok ? cb.normalized : b.trim();
  return na.toLowerCase() === nb.toLowerCase();
}

/** An accelerator from a key press (the "Record" button); null until a non-modifier key is pressed. */
export function acceleratorFromEvent(e: {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}): string | null {
  const key = keyName(e.key, e.code);
  if (!key) return null;
  const mods: string[] = [];
  if (e.ctrlKey || e.metaKey) mods.push('CommandOrControl');
  if (e.altKey) mods.push('Alt');
  if (e.shiftKey) mods.push('Shift');
  return [...mods, key].join('+');
}

function keyName(key: string, code: string): string | null {
  if (['Control', 'Meta', 'Alt', 'Shift', 'AltGraph', 'OS'].includes(key)) return null;
  if (/^Key[A-Z]$/.test(code)) return code.slice(3);
  if (/^Digit\d$/.test(code)) return code.slice(5);
  if (/^F\d{1,2}$/.test(key)) return key;
  const map: Record<string, string> = {
    ' ': 'Space',
    ArrowUp: 'Up',
    ArrowDown: 'Down',
    ArrowLeft: 'Left',
    ArrowRight: 'Right',
    Enter: 'Enter',
    Tab: 'Tab',
    Backspace: 'Backspace',
    Delete: 'Delete',
    Insert: 'Insert',
    Home: 'Home',
    End: 'End',
    PageUp: 'PageUp',
    PageDown: 'PageDown',
  };
  return map[key] ?? null;
}
