import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENTS, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, ROUTES } from '../../src/shared/ipc/channels';
import type { PreloadBridge } from '../../src/shared/ipc/api';

type Listener = (event: unknown, message: unknown) => void;

const fake = vi.hoisted(() => {
  const exposed = new Map<string, unknown>();
  const ipcListeners = new Map<string, Set<(event: unknown, message: unknown) => void>>();
  const ipcRenderer = {
    invoke: vi.fn(async (channel: string, route: string, input: unknown) => {
      if (input && typeof input === 'object' && 'fn' in input)
        throw new Error('An object could not be cloned.');
      return { ok: true, value: { channel, route, input } };
    }),
    on: vi.fn((channel: string, l: (event: unknown, message: unknown) => void) => {
      let s = ipcListeners.get(channel);
      if (!s) ipcListeners.set(channel, (s = new Set()));
      s.add(l);
    }),
    removeListener: vi.fn((channel: string, l: (event: unknown, message: unknown) => void) => {
      ipcListeners.get(channel)?.delete(l);
    }),
    send: vi.fn(),
  };
  return {
    exposed,
    ipcListeners,
    ipcRenderer,
    contextBridge: { exposeInMainWorld: vi.fn((key: string, api: unknown) => void exposed.set(key, api)) },
    webUtils: {
      getPathForFile: vi.fn((file: { name: string; onDisk?: boolean }) =>
        file.onDisk ? `/home/u/${file.name}` : '',
      ),
    },
  };
});

vi.mock('electron', () => ({
  contextBridge: fake.contextBridge,
  ipcRenderer: fake.ipcRenderer,
  webUtils: fake.webUtils,
}));

function emit(message: unknown): void {
  for (const l of [...(fake.ipcListeners.get(IPC_EVENT_CHANNEL) ?? [])])
    (l as Listener)({ sender: 'x' }, message);
}

let nook: PreloadBridge;

beforeAll(async () => {
  await import('../../src/preload/index');
  nook = fake.exposed.get('nook') as PreloadBridge;
});

describe('preload', () => {
  it('exposes only window.nook with invoke, on, pathsForFiles and platform — never ipcRenderer', () => {
    expect(fake.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect([...fake.exposed.keys()]).toEqual(['nook']);
    expect(Object.keys(nook).sort()).toEqual(['invoke', 'on', 'pathsForFiles', 'platform']);
    expect(nook.platform).toBe(process.platform);
    for (const value of Object.values(nook)) {
      expect(value).not.toBe(fake.ipcRenderer);
    }
    expect(JSON.stringify(Object.keys(nook))).not.toMatch(/ipc|send/i);
  });

  it('forwards every allow-listed route over the one invoke channel', async () => {
    for (const route of ROUTES) {
      const res = await nook.invoke(route, { a: 1 });
      expect(res).toEqual({ ok: true, value: { channel: IPC_INVOKE_CHANNEL, route, input: { a: 1 } } });
    }
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledTimes(ROUTES.length);
  });

  it('rejects names outside the allow-list locally, without touching IPC', async () => {
    fake.ipcRenderer.invoke.mockClear();
    for (const route of ['settings.steal', 'toString', '__proto__', '', 5 as unknown as string]) {
      expect(await nook.invoke(route, {})).toMatchObject({ ok: false, code: 'UNKNOWN_ROUTE' });
    }
    expect(fake.ipcRenderer.invoke).not.toHaveBeenCalled();
    expect(() => nook.on('settings.stolen', () => undefined)).toThrow(/Unknown event/);
    expect(() => nook.on('constructor', () => undefined)).toThrow(/Unknown event/);
    expect(() => nook.on('settings.changed', 'nope' as unknown as () => void)).toThrow(/function/);
  });

  it('turns a request that cannot be sent into a result instead of a rejection', async () => {
    await expect(nook.invoke('settings.update', { fn: () => 1 })).resolves.toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
    });
  });

  it('delivers events to their subscribers only, and the unsubscribe works', () => {
    const a = vi.fn();
    const b = vi.fn();
    const offA = nook.on('settings.changed', a);
    const offB = nook.on('hotkeys.changed', b);
    expect(fake.ipcRenderer.on).toHaveBeenCalledTimes(1);

    emit({ event: 'settings.changed', payload: { x: 1 } });
    emit({ event: 'hotkeys.changed', payload: [] });
    emit({ event: 'not.allowed', payload: 1 });
    emit('garbage');
    expect(a.mock.calls).toEqual([[{ x: 1 }]]);
    expect(b.mock.calls).toEqual([[[]]]);

    offA();
    offA(); // idempotent
    emit({ event: 'settings.changed', payload: { x: 2 } });
    expect(a).toHaveBeenCalledTimes(1);
    emit({ event: 'hotkeys.changed', payload: [1] });
    expect(b).toHaveBeenCalledTimes(2);

    // The last unsubscribe detaches the IPC listener entirely.
    offB();
    expect(fake.ipcListeners.get(IPC_EVENT_CHANNEL)?.size ?? 0).toBe(0);
    expect(fake.ipcRenderer.removeListener).toHaveBeenCalledTimes(1);
  });

  it('keeps delivering when one listener throws', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const good = vi.fn();
    const off1 = nook.on('system.notice', () => {
      throw new Error('bad listener');
    });
    const off2 = nook.on('system.notice', good);
    emit({ event: 'system.notice', payload: { level: 'info', message: 'hi' } });
    expect(good).toHaveBeenCalledOnce();
    off1();
    off2();
    spy.mockRestore();
  });

  it('accepts every event name in the allow-list', () => {
    for (const e of EVENTS) nook.on(e, () => undefined)();
  });

  it('turns dropped files into absolute paths and skips files that are not on disk', () => {
    const files = [
      { name: 'notes.md', onDisk: true },
      { name: 'pasted.png', onDisk: false },
      { name: 'paper.pdf', onDisk: true },
    ] as unknown as File[];
    expect(nook.pathsForFiles(files)).toEqual(['/home/u/notes.md', '/home/u/paper.pdf']);
    expect(nook.pathsForFiles([])).toEqual([]);
  });
});
