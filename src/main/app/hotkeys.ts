/**
 * Global hotkeys from settings (`settings.hotkeys.pushToTalk` / `quickAsk`). A hotkey that cannot be
 * registered is never a silent failure: its state says why (`hotkeys.list`), the renderer hears
 * 'hotkeys.changed', and the user gets a 'system.notice'.
 */
import type { GlobalShortcut } from 'electron';
import type { Disposable } from '../../shared/lifecycle';
import type { Settings } from '../../shared/types/settings';
import type { HotkeyState, Notice } from '../../shared/types/system';

export type HotkeyId = HotkeyState['id'];
export const HOTKEY_IDS: readonly HotkeyId[] = ['pushToTalk', 'quickAsk'];
export const HOTKEY_LABELS: Record<HotkeyId, string> = { pushToTalk: 'Push to talk', quickAsk: 'Quick ask' };

export interface HotkeyRegistryDeps {
  globalShortcut: Pick<GlobalShortcut, 'register' | 'unregister'>;
  actions: Record<HotkeyId, () => void>;
  platform: string;
  notify(notice: Notice): void;
  changed(states: HotkeyState[]): void;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

interface Slot {
  accelerator: string;
  registered: boolean;
  problem: string | null;
}

export class HotkeyRegistry implements Disposable {
  private readonly slots = new Map<HotkeyId, Slot>();
  private disposed = false;

  constructor(private readonly deps: HotkeyRegistryDeps) {}

  list(): HotkeyState[] {
    return HOTKEY_IDS.flatMap((id) => {
      const s = this.slots.get(id);
      return s ? [{ id, accelerator: s.accelerator, registered: s.registered, problem: s.problem }] : [];
    });
  }

  /**
   * Brings the registrations in line with `config`: hotkeys whose accelerator changed (or that failed
   * before) are re-registered; the others are left alone, so nothing flickers on unrelated changes.
   */
  apply(config: Settings['hotkeys']): HotkeyState[] {
    if (this.disposed) return this.list();
    const before = JSON.stringify(this.list());

    // Free the ones that change first, so swapping two accelerators works.
    const todo = HOTKEY_IDS.filter((id) => {
      const s = this.slots.get(id);
      return !s || !s.registered || s.accelerator !== config[id];
    });
    for (const id of todo) this.release(id);

    const newProblems: Array<{ id: HotkeyId; problem: string }> = [];
    for (const id of todo) {
      const accelerator = config[id];
      const previous = this.slots.get(id);
      const slot = this.register(id, accelerator);
      this.slots.set(id, slot);
      if (
        slot.problem &&
        !(previous && previous.accelerator === accelerator && previous.problem === slot.problem)
      ) {
        newProblems.push({ id, problem: slot.problem });
      }
    }

    for (const { id, problem } of newProblems) {
      this.deps.log?.warn({ hotkey: id, accelerator: config[id] }, 'global hotkey not registered');
      this.deps.notify({
        level: 'warning',
        message: `The ${HOTKEY_LABELS[id]} shortcut is not active: ${problem}. Choose another one in Settings.`,
      });
    }
    const after = this.list();
    if (JSON.stringify(after) !== before) this.deps.changed(after);
    return after;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const id of HOTKEY_IDS) this.release(id);
    this.slots.clear();
  }

  private register(id: HotkeyId, accelerator: string): Slot {
    const shown = displayAccelerator(accelerator, this.deps.platform);
    const clash = HOTKEY_IDS.find(
      (other) =>
        other !== id &&
        this.slots.get(other)?.registered &&
        sameAccelerator(this.slots.get(other)!.accelerator, accelerator),
    );
    if (clash) {
      return {
        accelerator,
        registered: false,
        problem: `${shown} is already used by ${HOTKEY_LABELS[clash]}`,
      };
    }
    let ok: boolean;
    try {
      ok = this.deps.globalShortcut.register(accelerator, () => this.fire(id));
    } catch (e) {
      this.deps.log?.warn({ hotkey: id, err: e }, 'accelerator refused');
      return { accelerator, registered: false, problem: `${shown} is not a valid shortcut` };
    }
    if (!ok) return { accelerator, registered: false, problem: `${shown} is taken by another application` };
    return { accelerator, registered: true, problem: null };
  }

  private release(id: HotkeyId): void {
    const s = this.slots.get(id);
    if (!s?.registered) return;
    try {
      this.deps.globalShortcut.unregister(s.accelerator);
    } catch (e) {
      this.deps.log?.error({ hotkey: id, err: e }, 'could not unregister a hotkey');
    }
    s.registered = false;
  }

  private fire(id: HotkeyId): void {
    try {
      this.deps.actions[id]();
    } catch (e) {
      this.deps.log?.error({ hotkey: id, err: e }, 'hotkey action failed');
    }
  }
}

/** `CommandOrControl+Alt+K` as the user reads it on this platform: `Ctrl+Alt+K`, `Cmd+Option+K`. */
export function displayAccelerator(accelerator: string, platform: string): string {
  const mac = platform === 'darwin';
  const names: Record<string, string> = {
    commandorcontrol: mac ? 'Cmd' : 'Ctrl',
    cmdorctrl: mac ? 'Cmd' : 'Ctrl',
    command: 'Cmd',
    cmd: 'Cmd',
    control: 'Ctrl',
    ctrl: 'Ctrl',
    alt: mac ? 'Option' : 'Alt',
    option: mac ? 'Option' : 'Alt',
    altgr: 'AltGr',
    shift: 'Shift',
    super: mac ? 'Cmd' : 'Super',
    meta: mac ? 'Cmd' : 'Super',
  };
  return accelerator
    .split('+')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => names[part.toLowerCase()] ?? (part.length === 1 ? part.toUpperCase() : part))
    .join('+');
}

function sameAccelerator(a: string, b: string): boolean {
  const norm = (s: string) => displayAccelerator(s, 'linux').toLowerCase().split('+').sort().join('+');
  return norm(a) === norm(b);
}
