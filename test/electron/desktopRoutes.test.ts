/**
 * The routes only the desktop shell can answer, through the real shell and core on the stand-in
 * electron module: `app.pickFiles` opens the system picker (files or folders) over the focused
 * window, and `knowledge.openOriginal` hands the document's file to shell.openPath.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appFrame, repoRoot, shellHarness } from './fakes/shellHarness';

const modelsDir = path.join(repoRoot, 'models');
const hasModel = fs.existsSync(path.join(modelsDir, 'all-minilm-l6-v2-int8', 'model.onnx'));

const shells = shellHarness('nook-desktop-routes-');
async function start() {
  const saved = process.env.NOOK_MODELS_DIR;
  process.env.NOOK_MODELS_DIR = modelsDir;
  try {
    return await shells.start();
  } finally {
    if (saved === undefined) delete process.env.NOOK_MODELS_DIR;
    else process.env.NOOK_MODELS_DIR = saved;
  }
}
afterEach(() => shells.stopAll());

describe('desktop-only routes', () => {
  it('app.pickFiles opens the system picker over the focused window and returns its paths', async () => {
    const { fake } = await start();
    const win = fake.state.windows.find((w) => w.options.title === 'Nook')!;
    win.focus();

    fake.state.openDialogAnswer = { canceled: false, filePaths: ['/home/me/a.pdf', '/home/me/b.md'] };
    expect(await fake.invoke(appFrame, 'app.pickFiles', {})).toEqual({
      ok: true,
      value: { paths: ['/home/me/a.pdf', '/home/me/b.md'] },
    });
    expect(fake.state.openDialogs[0]!.parent).toBe(win);
    expect(fake.state.openDialogs[0]!.options.properties).toEqual(['openFile', 'multiSelections']);

    fake.state.openDialogAnswer = { canceled: true, filePaths: ['/ignored'] };
    expect(await fake.invoke(appFrame, 'app.pickFiles', { folders: true })).toEqual({
      ok: true,
      value: { paths: [] },
    });
    expect(fake.state.openDialogs[1]!.options.properties).toEqual(['openDirectory', 'multiSelections']);
  });

  it.skipIf(!hasModel)(
    'knowledge.openOriginal opens the file with the system app, and says why when it cannot',
    async () => {
      const { fake, nook, dir } = await start();
      const file = path.join(dir, 'notes.md');
      fs.writeFileSync(file, '# Notes\n\nSomething worth keeping.');
      const imported = await fake.invoke(appFrame, 'knowledge.import', { paths: [file] });
      expect(imported.ok).toBe(true);
      await nook!.core.knowledge.whenIdle();
      const docs = nook!.core.knowledge.documents({});
      expect(docs.items.map((d) => d.path)).toEqual([file]);
      const id = docs.items[0]!.id;

      expect(await fake.invoke(appFrame, 'knowledge.openOriginal', { id })).toEqual({
        ok: true,
        value: { opened: true, downloadUrl: null, path: file },
      });
      expect(fake.state.openedPaths).toEqual([file]);

      fake.state.openPathAnswer = 'Failed to open path';
      const failed = await fake.invoke(appFrame, 'knowledge.openOriginal', { id });
      expect(failed).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      expect((failed as { message: string }).message).toContain('Failed to open path');

      expect(await fake.invoke(appFrame, 'knowledge.openOriginal', { id: 424242 })).toMatchObject({
        ok: false,
        code: 'NOT_FOUND',
      });
    },
    60_000,
  );
});
