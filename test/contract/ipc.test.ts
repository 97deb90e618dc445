/**
 * The Electron IPC binding (registrar) under the shared contract suite, with a stand-in ipcMain:
 * calls go through the registered handler exactly as Electron would call it, with the input
 * structured-cloned as it is across the process boundary. Plus the checks only IPC has: who sent it.
 */
import { describe, expect, it } from 'vitest';
import { IPC_INVOKE_CHANNEL } from '../../src/shared/ipc/channels';
import {
  createSenderValidator,
  registerIpc,
  type InvokeEventLike,
  type RegisterIpcDeps,
  type SenderFrame,
} from '../../src/main/ipc/registrar';
import { describeContract, type ContractBackend } from './contractSuite';
import { createTestBackend } from './testBackend';

type IpcHandler = (event: InvokeEventLike, route: unknown, input: unknown) => Promise<unknown>;

const APP_URL = 'http://localhost:5173/';
const APP_DIR = 'file:///opt/Nook/resources/app/out/renderer/';

function bind(backend: Pick<ContractBackend, 'dispatcher'>) {
  const handlers = new Map<string, IpcHandler>();
  const ipcMain = {
    handle(channel: string, fn: IpcHandler) {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, fn);
    },
    removeHandler(channel: string) {
      handlers.delete(channel);
    },
  } as unknown as RegisterIpcDeps['ipcMain'];
  const registration = registerIpc({
    ipcMain,
    dispatcher: backend.dispatcher,
    isTrustedSender: createSenderValidator([APP_URL, APP_DIR]),
  });
  const send = (frame: SenderFrame | null, route: unknown, input: unknown) => {
    const handler = handlers.get(IPC_INVOKE_CHANNEL);
    if (!handler) throw new Error('no IPC handler registered');
    // Electron structured-clones the arguments between processes.
    return handler({ senderFrame: frame, sender: { once: () => undefined } }, route, structuredClone(input));
  };
  return { handlers, registration, send };
}

describeContract('Electron IPC', async (backend) => {
  const { registration, send } = bind(backend);
  return {
    invoke: (route, input) => send({ url: `${APP_URL}index.html`, parent: null }, route, input),
    close: async () => void (await registration.dispose()),
  };
});

describe('IPC sender checks', () => {
  const backend = createTestBackend();
  const { send, handlers, registration } = bind(backend);

  it.each([
    ['a sub-frame of the app', { url: `${APP_URL}index.html`, parent: { url: APP_URL } }],
    ['a foreign origin', { url: 'https://evil.example/', parent: null }],
    ['another localhost port', { url: 'http://localhost:5174/', parent: null }],
    [
      'a file outside the renderer',
      { url: 'file:///opt/Nook/resources/app/out/renderer-evil/index.html', parent: null },
    ],
    ['a file reached through ..', { url: `${APP_DIR}../../secrets.html`, parent: null }],
    ['a data: page', { url: 'data:text/html,<script>1</script>', parent: null }],
    ['no frame at all', null],
  ] as const)('refuses %s with FORBIDDEN before reading the route', async (_label, frame) => {
    for (const route of ['settings.get', 'secrets.set', 'no.such.route']) {
      const r = await send(frame as SenderFrame | null, route, { id: 'provider.openai', value: 'x' });
      expect(r).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    }
  });

  it('answers the app top frame, from the dev server and from the packaged renderer', async () => {
    expect(await send({ url: `${APP_URL}index.html`, parent: null }, 'settings.get', {})).toMatchObject({
      ok: true,
    });
    expect(await send({ url: `${APP_DIR}quickask.html`, parent: null }, 'settings.get', {})).toMatchObject({
      ok: true,
    });
  });

  it('never throws across the boundary, even when the dispatcher itself throws', async () => {
    const broken = bind({
      dispatcher: {
        dispatch: () => {
          throw new Error('dispatcher exploded with /home/user/path');
        },
      },
    });
    const r = await broken.send({ url: APP_URL, parent: null }, 'settings.get', {});
    expect(r).toMatchObject({ ok: false, code: 'INTERNAL' });
    expect(JSON.stringify(r)).not.toContain('/home/user/path');
    await broken.registration.dispose();
  });

  it('disposing removes the channel', async () => {
    expect(handlers.has(IPC_INVOKE_CHANNEL)).toBe(true);
    await registration.dispose();
    expect(handlers.has(IPC_INVOKE_CHANNEL)).toBe(false);
  });
});
