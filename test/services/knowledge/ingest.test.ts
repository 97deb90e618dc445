import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocuments, type SampleDocuments } from '../../fixtures/makeDocuments';
import { tempDir } from '../helpers/tmp';
import { consistencyProblems, openKnowledge, testModel, type Knowledge } from './ingestHarness';

const model = testModel();
if (!model.spec) console.warn(`[skip] knowledge ingest tests: ${model.missing}`);

describe.skipIf(!model.spec)('knowledge ingest with the real embedding model', () => {
  let docs: SampleDocuments;
  let dir: string;
  let k: Knowledge;
  beforeAll(async () => {
    docs = await makeDocuments();
    dir = tempDir('ingest');
    k = openKnowledge(dir, model.spec!);
  }, 120_000);
  afterAll(async () => {
    await k?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('indexes real files of every format end to end and reports per-file errors without stopping the batch', async () => {
    const good = [docs.pdf, docs.docx, docs.epub, docs.html, docs.markdown, docs.csv, docs.json];
    const bad = [docs.empty, docs.corruptPdf, docs.zipBombDocx, docs.binaryJunkTxt, docs.huge];
    const res = await k.service.import([...bad.slice(0, 2), ...good, ...bad.slice(2)]);
    expect(res.queued).toBe(good.length + bad.length);
    await k.service.whenIdle();
    const st = k.service.status();
    expect(st.totals.done).toBe(good.length);
    expect(st.totals.failed).toBe(bad.length);
    const byPath = new Map(st.jobs.map((j) => [j.path, j]));
    for (const p of good) expect(byPath.get(p)).toMatchObject({ state: 'done', outcome: 'indexed' });
    expect(byPath.get(docs.empty)).toMatchObject({ state: 'failed', errorReason: 'EMPTY' });
    expect(byPath.get(docs.corruptPdf)).toMatchObject({ state: 'failed', errorReason: 'CORRUPT' });
    expect(byPath.get(docs.zipBombDocx)).toMatchObject({ state: 'failed', errorReason: 'ZIP_BOMB' });
    expect(byPath.get(docs.binaryJunkTxt)).toMatchObject({ state: 'failed', errorReason: 'BINARY' });
    expect(byPath.get(docs.huge)).toMatchObject({ state: 'failed', errorReason: 'TOO_LARGE' });
    for (const j of st.jobs.filter((x) => x.state === 'failed')) expect(j.error).toBeTruthy();

    // The PDF keeps page numbers, the DOCX heading paths; every chunk has a 384-d unit vector.
    const pdf = k.service.documents({ query: path.basename(docs.pdf) }).items[0]!;
    const pdfDetail = k.service.document(pdf.id);
    expect(new Set(pdfDetail.chunks.map((c) => c.page)).size).toBeGreaterThan(1);
    const docx = k.service.documents({ query: path.basename(docs.docx) }).items[0]!;
    expect(k.service.document(docx.id).chunks.some((c) => c.headingPath.length > 0)).toBe(true);
    const blob = k.db.prepare('SELECT vector FROM chunk_vectors LIMIT 1').pluck().get() as Buffer;
    const v = new Float32Array(new Uint8Array(blob).buffer);
    expect(v.length).toBe(384);
    expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    expect(await consistencyProblems(k, model.spec!.id)).toEqual([]);

    // Failed files are listed in the Library with the reason.
    const failedDoc = k.service.documents({ query: path.basename(docs.corruptPdf) }).items[0]!;
    expect(failedDoc).toMatchObject({ status: 'error', errorReason: 'CORRUPT', chunkCount: 0 });

    // Progress events: per file and overall, never more than ~5 a second.
    const progress = k.events.filter((e) => e.event === 'ingest.progress');
    expect(progress.length).toBeGreaterThan(0);
    const last = progress.at(-1)!.payload as { totals: { done: number; failed: number } };
    expect(last.totals).toMatchObject({ done: good.length, failed: bad.length });
    const seenStages = new Set(
      progress.flatMap((e) =>
        (e.payload as { files: Array<{ stage: string | null }> }).files.map((f) => f.stage),
      ),
    );
    expect(seenStages.has('done')).toBe(true);
    expect(k.events.some((e) => e.event === 'knowledge.changed')).toBe(true);

    // Diagnostics count the same things: documents (failed ones too), chunks, vectors stored and
    // in the index, and an idle queue with the failures still listed.
    await k.service.countIndex();
    const chunks = k.db.prepare('SELECT count(*) FROM chunks').pluck().get() as number;
    expect(chunks).toBeGreaterThan(good.length);
    expect(k.service.diagnostics()).toMatchObject({
      documents: good.length + bad.length,
      failedDocuments: bad.length,
      deletedDocuments: 0,
      chunks,
      searchModel: model.spec!.id,
      storedVectors: chunks,
      index: { kind: 'embedded', vectors: chunks, pendingSync: 0 },
      queue: { paused: false, queued: 0, running: 0, failed: bad.length, reembed: null },
    });
    expect(k.service.diagnostics().tokens).toBeGreaterThan(chunks);
  }, 240_000);

  it('skips an unchanged file and atomically replaces the chunks of a changed one', async () => {
    const folder = tempDir('ingest-change');
    const file = path.join(folder, 'notes.md');
    fs.writeFileSync(file, '# Pumps\n\nThe pump reported error E-4012 after the valve closed.\n');
    await k.service.import([file]);
    await k.service.whenIdle();
    const first = k.service.documents({ query: 'notes.md' }).items[0]!;
    const firstChunks = k.service.document(first.id).chunks.map((c) => c.id);

    await k.service.import([file]);
    await k.service.whenIdle();
    const again = k.service
      .status()
      .jobs.filter((j) => j.path === file)
      .at(-1)!;
    expect(again).toMatchObject({ state: 'done', outcome: 'skipped' });
    expect(k.service.document(first.id).chunks.map((c) => c.id)).toEqual(firstChunks);

    fs.writeFileSync(file, '# Boilers\n\nThe boiler shows code B-7781 when the flame fails.\n');
    await k.service.import([file]);
    await k.service.whenIdle();
    const changed = k.service.document(first.id);
    expect(changed.id).toBe(first.id); // same document, new content
    expect(changed.chunks.every((c) => !firstChunks.includes(c.id))).toBe(true);
    expect(changed.chunks.map((c) => c.text).join(' ')).toContain('B-7781');
    const old = await k.service.search({ query: 'E-4012', mode: 'keyword' });
    expect(old.hits.filter((h) => h.citation.documentId === first.id)).toEqual([]);
    const found = await k.service.search({ query: 'B-7781', mode: 'keyword' });
    expect(found.hits[0]?.citation.documentId).toBe(first.id);
    expect(await consistencyProblems(k, model.spec!.id)).toEqual([]);
    fs.rmSync(folder, { recursive: true, force: true });
  }, 120_000);

  it('walks folders recursively, keeps supported files only and dedupes paths already queued', async () => {
    const folder = tempDir('ingest-walk');
    fs.mkdirSync(path.join(folder, 'a', 'b'), { recursive: true });
    fs.mkdirSync(path.join(folder, '.hidden'));
    fs.writeFileSync(path.join(folder, 'one.txt'), 'First file about tide tables.');
    fs.writeFileSync(path.join(folder, 'a', 'two.md'), '# Two\n\nSecond file about lighthouses.');
    fs.writeFileSync(path.join(folder, 'a', 'b', 'three.json'), '{"topic": "third file about storms"}');
    fs.writeFileSync(path.join(folder, 'a', 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    fs.writeFileSync(path.join(folder, '.hidden', 'secret.txt'), 'hidden');
    k.service.pause();
    const res = await k.service.import([folder, path.join(folder, 'one.txt'), path.join(folder, 'nope.txt')]);
    expect(res).toMatchObject({ queued: 3, ignored: 1, missing: [path.join(folder, 'nope.txt')] });
    const dup = await k.service.import([path.join(folder, 'a')]);
    expect(dup).toMatchObject({ queued: 0, alreadyQueued: 2 });
    k.service.resume();
    await k.service.whenIdle();
    const names = k.service
      .documents({ query: folder, limit: 10 })
      .items.map((d) => d.name)
      .sort();
    expect(names).toEqual(['one.txt', 'three.json', 'two.md']);
    fs.rmSync(folder, { recursive: true, force: true });
  }, 120_000);
});
