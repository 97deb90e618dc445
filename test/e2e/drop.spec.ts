import { test, expect } from './support/fixtures';

/** Browser globals used inside page.evaluate (this file is typechecked without DOM types). */
interface PageGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void }; setData(type: string, value: string): void };
  File: new (parts: string[], name: string, options: { type: string }) => unknown;
}

test('files dropped on the Library reach the drop hook (File objects in a browser), and nothing is imported', async ({
  page,
}) => {
  await page.goto('/#/library');
  const target = page.getByTestId('library-drop-target');
  await expect(target).toBeVisible();

  const dataTransfer = await page.evaluateHandle(() => {
    const { DataTransfer, File } = globalThis as unknown as PageGlobals;
    const dt = new DataTransfer();
    dt.items.add(new File(['# notes'], 'notes.md', { type: 'text/markdown' }));
    dt.items.add(new File(['%PDF-1.4'], 'paper.pdf', { type: 'application/pdf' }));
    return dt;
  });
  await target.dispatchEvent('dragenter', { dataTransfer });
  await expect(page.getByText('Drop files to add them to your Library')).toBeVisible();
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByText('Drop files to add them to your Library')).toHaveCount(0);

  const result = page.getByTestId('drop-result');
  await expect(result).toContainText('Received 2 files');
  await expect(result).toContainText('notes.md, paper.pdf');
  await expect(result).toContainText('Nothing was imported');

  // A drag of plain text is not a file drop: no overlay.
  const textDrag = await page.evaluateHandle(() => {
    const dt = new (globalThis as unknown as PageGlobals).DataTransfer();
    dt.setData('text/plain', 'hello');
    return dt;
  });
  await target.dispatchEvent('dragenter', { dataTransfer: textDrag });
  await expect(page.getByText('Drop files to add them to your Library')).toHaveCount(0);
});
