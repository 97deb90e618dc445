import { describe, expect, it, vi } from 'vitest';
import {
  IPC_EVENT_CHANNEL,
  IPC_INVOKE_CHANNEL,
  MAX_PAYLOAD_BYTES,
  ROUTES,
} from '../../src/shared/ipc/channels';
import { ok, AppError, type Result } from '../../src/shared/ipc/result';
import { createDispatcher, type Dispatcher, type Handlers } from '../../src/main/rpc/dispatcher';
import { EventBus } from '../../src/main/rpc/eventBus';
import { createSenderValidator, registerIpc, type SenderFrame } from '../../src/main/ipc/registrar';
import { forwardEvents } from '../../src/main/ipc/eventForwarder';
import { defaultSettings } from '../../src/shared/types/settings';

type IpcHandler = (event: unknown, ...args: unknown[]) => unknown;

function fakeIpcMain() {
  const handlers = new Map<string, IpcHandler>();
  return {
    handlers,
    handle: vi.fn((channel: string, fn: IpcHandler) => {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, fn);
    }),
    removeHandler: vi.fn((channel: string) => void handlers.delete(channel)),
  };
}

const DEV = 'http://localhost:5173';
const PROD_DIR = 'file:///opt/Nook/resources/app.asar/out/renderer/';
const top = (url: string): SenderFrame => ({ url, parent: null });

/** Real dispatcher over handlers that record their calls (only the routes these tests use do work). */
function realDispatcher() {
  const calls: Array<{ route: string; input: unknown }> = [];
  const settings = defaultSettings();
  const fail = (): never => {
    throw new Error('not used in this test');
  };
  // Every route fails unless a test below gives it a body, so new routes need no change here.
  const handlers = Object.fromEntries(ROUTES.map((r) => [r, fail])) as unknown as Handlers;
  Object.assign(handlers, {
    'system.status': () => ({ version: '1.2.3', mode: 'desktop', services: [] }),
    'settings.get': () => {
      calls.push({ route: 'settings.get', input: {} });
      return settings;
    },
    'settings.update': (patch: object) => {
      calls.push({ route: 'settings.update', input: patch });
      return { ...settings, ...patch };
    },
    'secrets.list': () => {
      throw new AppError('KEYCHAIN_UNAVAILABLE', 'No keychain');
    },
    'secrets.has': () => {
      throw new Error('database exploded: /home/user/secret path');
    },
    'hotkeys.list': () => [],
  });
  return { dispatcher: createDispatcher(handlers), calls };
}

function setup(dispatcher?: Dispatcher) {
  const ipcMain = fakeIpcMain();
  const real = realDispatcher();
  const log = { warn: vi.fn(), error: vi.fn() };
  const disposable = registerIpc({
    ipcMain,
    dispatcher: dispatcher ?? real.dispatcher,
    isTrustedSender: createSenderValidator([DEV, PROD_DIR]),
    log,
  });
  const invoke = (frame: SenderFrame | null, route: unknown, input?: unknown) =>
    Promise.resolve(
      ipcMain.handlers.get(IPC_INVOKE_CHANNEL)!({ senderFrame: frame }, route, input),
    ) as Promise<Result<unknown>>;
  return { ipcMain, invoke, disposable, calls: real.calls, log };
}

describe('createSenderValidator', () => {
  const valid = createSenderValidator([DEV, PROD_DIR]);

  it('accepts the top frame of the dev server and of the packaged renderer directory', () => {
    expect(valid(top('http://localhost:5173/'))).toBe(true);
    expect(valid(top('http://localhost:5173/quickask.html#/x'))).toBe(true);
    expect(valid(top('file:///opt/Nook/resources/app.asar/out/renderer/index.html'))).toBe(true);
    expect(valid(top('file:///opt/Nook/resources/app.asar/out/renderer/quickask.html?x=1'))).toBe(true);
  });

  it('refuses sub-frames, foreign origins, other files and missing frames', () => {
    expect(valid({ url: 'http://localhost:5173/', parent: {} })).toBe(false);
    expect(valid(null)).toBe(false);
    expect(valid(undefined)).toBe(false);
    expect(valid(top('http://localhost:5174/'))).toBe(false);
    expect(valid(top('https://localhost:5173/'))).toBe(false);
    expect(valid(top('https://evil.example/'))).toBe(false);
    expect(valid(top('file:///tmp/evil.html'))).toBe(false);
    expect(valid(top('file:///opt/Nook/resources/app.asar/out/renderer-evil/index.html'))).toBe(false);
    expect(valid(top('file:///opt/Nook/resources/app.asar/out/renderer/../../../../../tmp/evil.html'))).toBe(
      false,
    );
    expect(valid(top('file:///opt/Nook/resources/app.asar/out/renderer/%2e%2e/x.html'))).toBe(false);
    expect(valid(top('file://evilhost/opt/Nook/resources/app.asar/out/renderer/index.html'))).toBe(false);
    expect(valid(top('about:blank'))).toBe(false);
    expect(valid(top('devtools://devtools/bundled/inspector.html'))).toBe(false);
    expect(valid(top('not a url'))).toBe(false);
  });

  it('refuses to be built from something that is not an app origin', () => {
    expect(() => createSenderValidator(['not a url'])).toThrow(/Not a URL/);
    expect(() => createSenderValidator(['ftp://x/'])).toThrow(/Unsupported/);
  });
});

describe('registerIpc', () => {
  it('registers exactly one channel and removes it on dispose', async () => {
    const { ipcMain, disposable } = setup();
    expect(ipcMain.handle).toHaveBeenCalledTimes(1);
    expect(ipcMain.handle.mock.calls[0]![0]).toBe(IPC_INVOKE_CHANNEL);
    await disposable.dispose();
    expect(ipcMain.removeHandler).toHaveBeenCalledWith(IPC_INVOKE_CHANNEL);
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('passes a trusted call through the contract to the service', async () => {
    const { invoke, calls } = setup();
    const res = await invoke(top('http://localhost:5173/'), 'settings.update', {
      appearance: { theme: 'dark' },
    });
    expect(res.ok).toBe(true);
    expect(calls).toEqual([{ route: 'settings.update', input: { appearance: { theme: 'dark' } } }]);
    const status = await invoke(top('http://localhost:5173/'), 'system.status', {});
    expect(status).toEqual(ok({ version: '1.2.3', mode: 'desktop', services: [] }));
  });

  it('refuses a sub-frame sender with FORBIDDEN and never reaches the service', async () => {
    const { invoke, calls, log } = setup();
    const res = await invoke(
      { url: 'http://localhost:5173/', parent: { url: 'http://localhost:5173/' } },
      'settings.get',
      {},
    );
    expect(res).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(calls).toEqual([]);
    expect(log.warn).toHaveBeenCalled();
  });

  it('refuses a foreign origin and a missing frame with FORBIDDEN', async () => {
    const { invoke, calls } = setup();
    expect(await invoke(top('https://evil.example/?token=abc'), 'settings.get', {})).toMatchObject({
      ok: false,
      code: 'FORBIDDEN',
    });
    expect(await invoke(null, 'settings.get', {})).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(calls).toEqual([]);
  });

  it('refuses unknown routes', async () => {
    const { invoke } = setup();
    for (const route of ['settings.steal', '__proto__', 'constructor', 42, null, undefined]) {
      expect(await invoke(top(DEV), route, {})).toMatchObject({ ok: false, code: 'UNKNOWN_ROUTE' });
    }
  });

  it('refuses oversize payloads before the dispatcher sees them', async () => {
    const dispatch = vi.fn();
    const { invoke } = setup({ dispatch });
    const big = { blob: 'x'.repeat(MAX_PAYLOAD_BYTES + 1) };
    expect(await invoke(top(DEV), 'settings.update', big)).toMatchObject({
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await invoke(top(DEV), 'settings.update', cyclic)).toMatchObject({
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('reports invalid input from the contract', async () => {
    const { invoke, calls } = setup();
    const res = await invoke(top(DEV), 'settings.update', { appearance: { theme: 'purple' } });
    expect(res).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(calls).toEqual([]);
  });

  it('turns service errors into results: AppError keeps its code, anything else is INTERNAL without details', async () => {
    const { invoke } = setup();
    expect(await invoke(top(DEV), 'secrets.list', {})).toEqual({
      ok: false,
      code: 'KEYCHAIN_UNAVAILABLE',
      message: 'No keychain',
    });
    const res = await invoke(top(DEV), 'secrets.has', { id: 'provider.openai' });
    expect(res).toMatchObject({ ok: false, code: 'INTERNAL' });
    expect(JSON.stringify(res)).not.toContain('/home/user');
  });

  it('never throws across the boundary, even when the dispatcher itself throws or the validator throws', async () => {
    const { invoke } = setup({
      dispatch: () => {
        throw new Error('boom');
      },
    });
    await expect(invoke(top(DEV), 'settings.get', {})).resolves.toMatchObject({
      ok: false,
      code: 'INTERNAL',
    });

    const ipcMain = fakeIpcMain();
    registerIpc({
      ipcMain,
      dispatcher: realDispatcher().dispatcher,
      isTrustedSender: () => {
        throw new Error('validator bug');
      },
    });
    const handler = ipcMain.handlers.get(IPC_INVOKE_CHANNEL)!;
    await expect(
      Promise.resolve(handler({ senderFrame: top(DEV) }, 'settings.get', {})),
    ).resolves.toMatchObject({
      ok: false,
      code: 'INTERNAL',
    });
    // An event without senderFrame at all (destroyed frame) is refused, not a crash.
    await expect(Promise.resolve(handler(undefined, 'settings.get', {}))).resolves.toMatchObject({
      ok: false,
    });
  });

  it('aborts the call signal when the sending window goes away', async () => {
    const ipcMain = fakeIpcMain();
    let seen: AbortSignal | undefined;
    let onDestroyed: (() => void) | undefined;
    registerIpc({
      ipcMain,
      dispatcher: {
        dispatch: async (_r, _i, ctx) => {
          seen = ctx.signal;
          expect(ctx.transport).toBe('ipc');
          return ok(null);
        },
      },
      isTrustedSender: createSenderValidator([DEV]),
    });
    await ipcMain.handlers.get(IPC_INVOKE_CHANNEL)!(
      { senderFrame: top(DEV), sender: { once: (_e: string, l: () => void) => (onDestroyed = l) } },
      'settings.get',
      {},
    );
    expect(seen?.aborted).toBe(false);
    onDestroyed!();
    expect(seen?.aborted).toBe(true);
  });
});

describe('forwardEvents', () => {
  it('sends every bus event to trusted, live windows only, and stops on dispose', async () => {
    const bus = new EventBus();
    const mk = (url: string, destroyed = false) => ({
      sent: [] as unknown[][],
      isDestroyed: () => destroyed,
      getURL: () => url,
      send(...args: unknown[]) {
        this.sent.push(args);
      },
    });
    const app = mk('http://localhost:5173/');
    const foreign = mk('https://evil.example/');
    const dead = mk('http://localhost:5173/', true);
    const throwing = {
      isDestroyed: () => false,
      getURL: () => DEV,
      send: () => {
        throw new Error('closing');
      },
    };
    const quick = mk('http://localhost:5173/quickask.html');
    const d = forwardEvents({
      events: bus,
      targets: () => [app, foreign, dead, throwing, quick],
      isTrustedSender: createSenderValidator([DEV]),
    });
    bus.emit('system.notice', { level: 'warning', message: 'hello' });
    const expected = [
      [IPC_EVENT_CHANNEL, { event: 'system.notice', payload: { level: 'warning', message: 'hello' } }],
    ];
    expect(app.sent).toEqual(expected);
    expect(quick.sent).toEqual(expected);
    expect(foreign.sent).toEqual([]);
    expect(dead.sent).toEqual([]);
    await d.dispose();
    bus.emit('system.notice', { level: 'info', message: 'after' });
    expect(app.sent).toHaveLength(1);
  });
});
