import { test, expect } from './support/fixtures';

/** Browser globals used inside page.evaluate (this file is typechecked without DOM types). */
interface PageGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void }; setData(type: string, value: string): void };
  File: new (parts: string[], name: string, options: { type: string }) => unknown;
}

test('files dropped on any view are uploaded (File objects in a browser); unreadable types are reported, not sent to the index', async ({
  page,
}) => {
  // Not the Library: the whole window is a drop target.
  await page.goto('/#/settings');
  const target = page.getByTestId('app-drop-target');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();

  const dataTransfer = await page.evaluateHandle(() => {
    const { DataTransfer, File } = globalThis as unknown as PageGlobals;
    const dt = new DataTransfer();
    dt.items.add(
      new File(['# notes\n\nDropped on the settings screen.'], 'drop-notes.md', { type: 'text/markdown' }),
    );
    dt.items.add(new File(['MZ\u0000\u0000'], 'tool.exe', { type: 'application/octet-stream' }));
    return dt;
  });
  const overlay = page.getByText('Drop files or folders to add them to your Library');
  await target.dispatchEvent('dragenter', { dataTransfer });
  await expect(overlay).toBeVisible();
  await target.dispatchEvent('dragover', { dataTransfer });
  const upload = page.waitForResponse((r) => r.url().endsWith('/api/knowledge/upload'));
  await target.dispatchEvent('drop', { dataTransfer });
  await expect(overlay).toHaveCount(0);

  // One multipart request with both files; the host keeps the Markdown file and refuses the .exe.
  const response = await upload;
  expect(response.request().headers()['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  const answer = (await response.json()) as {
    ok: boolean;
    value: { queued: number; stored: number; rejected: { name: string; reason: string }[] };
  };
  expect(answer.ok).toBe(true);
  expect(answer.value.stored).toBe(1);
  expect(answer.value.rejected).toEqual([
    { name: 'tool.exe', reason: 'Nook does not read this type of file' },
  ]);

  await expect(page.getByTestId('toast').filter({ hasText: 'tool.exe' })).toContainText(
    'Nook does not read this type of file',
  );
  await expect(page.getByTestId('import-panel').getByTestId('import-row')).toContainText('drop-notes.md');

  // A drag of plain text is not a file drop: no overlay.
  const textDrag = await page.evaluateHandle(() => {
    const dt = new (globalThis as unknown as PageGlobals).DataTransfer();
    dt.setData('text/plain', 'hello');
    return dt;
  });
  await target.dispatchEvent('dragenter', { dataTransfer: textDrag });
  await expect(overlay).toHaveCount(0);
});
