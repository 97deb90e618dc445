import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/main/services/storage/database';
import { EmbeddedIndex, asarUnpacked } from '../../../src/main/services/vectors/embeddedIndex';
import { collectionNameFor } from '../../../src/main/services/vectors/vectorIndex';
import { describeVectorIndex, randomVector, rng } from './contract';

function openTemp() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-vec-'));
  const db = openDatabase(path.join(dir, 'nook.db'));
  return {
    db,
    dir,
    close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeVectorIndex(
  'embedded (sqlite-vec)',
  async () => {
    const t = openTemp();
    const index = new EmbeddedIndex(t.db);
    return {
      index,
      async cleanup() {
        await index.dispose();
        t.close();
      },
    };
  },
  { exact: true },
);

describe('EmbeddedIndex specifics', () => {
  it('lives in the app database: vectors survive reopening, and each write bumps index_version', async () => {
    const t = openTemp();
    const file = path.join(t.dir, 'nook.db');
    try {
      const index = new EmbeddedIndex(t.db);
      expect(index.sqliteVecVersion).toBe('v0.1.9');
      // KNN scans read the vectors through mmap (see EmbeddedIndexOptions.mmapSizeBytes).
      expect(t.db.pragma('mmap_size', { simple: true })).toBe(1024 * 1024 * 1024);
      await index.ensureCollection({ name: 'chunks', dimension: 8, distance: 'cosine' });
      const v0 = index.state('chunks')!.indexVersion;
      const rand = rng(1);
      const items = Array.from({ length: 20 }, (_, i) => ({
        id: i + 1,
        vector: randomVector(rand, 8),
        payload: { documentId: i, folder: '/a/b', tags: ['x'], date: 1_700_000_000_000 + i },
      }));
      await index.upsert('chunks', items);
      await index.delete('chunks', [1]);
      await index.deleteByDocument('chunks', 2);
      expect(index.state('chunks')!.indexVersion).toBe(v0 + 3);
      t.db.close();

      const db2 = openDatabase(file);
      const again = new EmbeddedIndex(db2);
      expect(await again.count('chunks')).toBe(18);
      // items() hands back exactly what was stored (the source a Qdrant mirror is rebuilt from).
      const back = [];
      for await (const batch of again.items('chunks', 7)) back.push(...batch);
      expect(back.map((b) => b.id)).toEqual(items.filter((i) => i.id !== 1 && i.id !== 3).map((i) => i.id));
      const original = items.find((i) => i.id === 5)!;
      const stored = back.find((b) => b.id === 5)!;
      expect(Array.from(stored.vector)).toEqual(Array.from(original.vector));
      expect(stored.payload).toEqual(original.payload);
      db2.close();
    } finally {
      fs.rmSync(t.dir, { recursive: true, force: true });
    }
  });

  it('a failing batch leaves the collection and its version untouched', async () => {
    const t = openTemp();
    try {
      const index = new EmbeddedIndex(t.db);
      await index.ensureCollection({ name: 'c', dimension: 2, distance: 'cosine' });
      const before = index.state('c')!.indexVersion;
      await expect(
        index.upsert('c', [
          { id: 1, vector: new Float32Array([1, 0]), payload: { documentId: 1 } },
          { id: 0, vector: new Float32Array([1, 0]), payload: { documentId: 1 } },
        ]),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await index.count('c')).toBe(0);
      expect(index.state('c')!.indexVersion).toBe(before);
    } finally {
      t.close();
    }
  });

  it('drops the vec0 table and its shadow tables with the collection', async () => {
    const t = openTemp();
    try {
      const index = new EmbeddedIndex(t.db);
      await index.ensureCollection({ name: 'c', dimension: 2, distance: 'cosine' });
      const tables = () =>
        t.db
          .prepare("SELECT name FROM sqlite_master WHERE name GLOB 'vec_c*' OR name GLOB 'vecterm_c*'")
          .pluck()
          .all() as string[];
      expect(tables().length).toBeGreaterThan(3);
      await index.dropCollection('c');
      expect(tables()).toEqual([]);
    } finally {
      t.close();
    }
  });
});

describe('EmbeddedIndex inside a caller transaction', () => {
  it('joins an outer transaction, so chunk rows and vectors commit or roll back together', async () => {
    const t = openTemp();
    try {
      const index = new EmbeddedIndex(t.db);
      index.ensureCollectionSync({ name: 'c', dimension: 2, distance: 'cosine' });
      t.db.exec('CREATE TABLE side (id INTEGER PRIMARY KEY)');
      const write = (fail: boolean) =>
        t.db.transaction(() => {
          t.db.prepare('INSERT INTO side (id) VALUES (?)').run(fail ? 2 : 1);
          index.upsertSync('c', [
            { id: fail ? 2 : 1, vector: new Float32Array([1, 0]), payload: { documentId: 1 } },
          ]);
          if (fail) throw new Error('boom');
        })();
      write(false);
      expect(() => write(true)).toThrow('boom');
      expect(t.db.prepare('SELECT count(*) FROM side').pluck().get()).toBe(1);
      expect(index.countSync('c')).toBe(1);
      expect(index.searchSync('c', new Float32Array([1, 0]), { k: 5 }).map((h) => h.id)).toEqual([1]);
    } finally {
      t.close();
    }
  });

  it('names collections after embedding models, validly and distinctly', () => {
    const a = collectionNameFor('Xenova/all-MiniLM-L6-v2');
    expect(a).toMatch(/^chunks_xenova_all_minilm_l6_v2_[0-9a-f]{6}$/);
    expect(collectionNameFor('xenova/all-minilm-l6-v2')).not.toBe(a); // same slug, other id
    expect(collectionNameFor('x'.repeat(200)).length).toBeLessThanOrEqual(48);
    expect(collectionNameFor('///')).toMatch(/^chunks_[0-9a-f]{6}$/);
  });
});

describe('loading sqlite-vec in a packaged app', () => {
  it('reads the extension from app.asar.unpacked, where dlopen can reach it', () => {
    expect(asarUnpacked('/opt/Nook/resources/app.asar/node_modules/sqlite-vec-linux-x64/vec0.so')).toBe(
      '/opt/Nook/resources/app.asar.unpacked/node_modules/sqlite-vec-linux-x64/vec0.so',
    );
    expect(
      asarUnpacked('C:\\Nook\\resources\\app.asar\\node_modules\\sqlite-vec-windows-x64\\vec0.dll'),
    ).toBe('C:\\Nook\\resources\\app.asar.unpacked\\node_modules\\sqlite-vec-windows-x64\\vec0.dll');
    const dev = '/work/main/node_modules/sqlite-vec-linux-x64/vec0.so';
    expect(asarUnpacked(dev)).toBe(dev);
  });
});
