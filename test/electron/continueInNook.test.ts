/**
 * "Continue in Nook" in the quick-ask window, through the real shell and core on the stand-in
 * electron module: `app.openConversation` from the quick-ask page hides the popup and shows the
 * conversation in the MAIN window (an `app.openView` event with the conversation for an open window,
 * `?conversation=<id>#/ask` for a new one), never a new window of the quick-ask page.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { IPC_EVENT_CHANNEL } from '../../src/shared/ipc/channels';
import { type NookApp } from '../../src/main/app/main';
import { type FakeElectron } from './fakes/fakeElectron';
import { appPage, rendererDir, shellHarness } from './fakes/shellHarness';

const quickFrame = { url: pathToFileURL(path.join(rendererDir, 'quickask.html')).href, parent: null };

const shells = shellHarness('nook-continue-');
async function start(argv: string[] = []) {
  const { fake, nook } = await shells.start({ argv });
  return { fake, nook: nook! };
}
afterEach(() => shells.stopAll());

const byTitle = (fake: FakeElectron, title: string) =>
  fake.state.windows.filter((w) => w.options.title === title && !w.destroyed);

/** Asks in the quick-ask window (free chat: no model or documents needed) and returns its conversation. */
async function askInQuickAsk(fake: FakeElectron, nook: NookApp): Promise<number> {
  const r = await fake.invoke(quickFrame, 'assistant.ask', {
    text: 'Remember that the boat leaves at nine',
    grounded: false,
  });
  expect(r.ok).toBe(true);
  await nook.core.assistant.idle();
  return (r.value as { conversationId: number }).conversationId;
}

describe('Continue in Nook (quick ask -> main window)', () => {
  it('hides the quick ask and shows that conversation in the open main window', async () => {
    const { fake, nook } = await start();
    const [main] = byTitle(fake, 'Nook');
    main!.close(); // to the tray: the main window exists but is hidden
    expect(main!.isVisible()).toBe(false);
    fake.state.trays[0]!.clickItem('Quick ask');
    const [quick] = byTitle(fake, 'Nook quick ask');
    expect(quick!.isVisible()).toBe(true);

    const id = await askInQuickAsk(fake, nook);
    main!.webContents.sent.length = 0;
    quick!.webContents.sent.length = 0;
    const r = await fake.invoke(quickFrame, 'app.openConversation', { id });
    expect(r).toEqual({ ok: true, value: { opened: true } });

    expect(quick!.isVisible()).toBe(false);
    expect(quick!.destroyed).toBe(false); // hidden, kept for next time
    expect(main!.isVisible()).toBe(true);
    expect(main!.focused).toBe(true);
    const openView = { event: 'app.openView', payload: { view: 'ask', conversationId: id } };
    expect(main!.webContents.sent).toContainEqual({ channel: IPC_EVENT_CHANNEL, message: openView });
    // Still one main window, one quick ask: nothing was opened as a new window.
    expect(byTitle(fake, 'Nook')).toHaveLength(1);
    expect(byTitle(fake, 'Nook quick ask')).toHaveLength(1);

    // A conversation that does not exist: refused, nothing moves.
    fake.state.trays[0]!.clickItem('Quick ask');
    const missing = await fake.invoke(quickFrame, 'app.openConversation', { id: 999_999 });
    expect(missing).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(quick!.isVisible()).toBe(true);
  });

  it('opens a new main window on that conversation when none is open (started in the tray)', async () => {
    const { fake, nook } = await start(['--hidden']);
    expect(byTitle(fake, 'Nook')).toHaveLength(0);
    fake.state.trays[0]!.clickItem('Quick ask');
    const id = await askInQuickAsk(fake, nook);

    const r = await fake.invoke(quickFrame, 'app.openConversation', { id });
    expect(r).toEqual({ ok: true, value: { opened: true } });
    const mains = byTitle(fake, 'Nook');
    expect(mains).toHaveLength(1);
    expect(mains[0]!.webContents.url).toBe(`${appPage}?conversation=${id}#/ask`);
    expect(byTitle(fake, 'Nook quick ask')[0]!.isVisible()).toBe(false);

    // The conversation is there for the Ask screen to load.
    const conv = await fake.invoke({ url: appPage, parent: null }, 'conversations.get', { id });
    expect(conv.ok).toBe(true);
    expect((conv.value as { messages: Array<{ content: string }> }).messages[0]!.content).toBe(
      'Remember that the boat leaves at nine',
    );
  });
});
