/**
 * The Qdrant leg of the vector contract. It needs a real Qdrant: QDRANT_URL (+ QDRANT_API_KEY) for a
 * running server, or QDRANT_BIN for a binary the sidecar starts. Neither can be had on the build
 * machine (no GitHub, no Docker), so there it is skipped and says so.
 * The filter and error mapping below runs everywhere.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  QdrantIndex,
  mapQdrantError,
  toQdrantFilter,
  toQdrantPayload,
  type QdrantEndpoint,
} from '../../../src/main/services/vectors/qdrantIndex';
import { QdrantSidecar } from '../../../src/main/services/vectors/qdrantSidecar';
import { describeVectorIndex } from './contract';

const QDRANT_URL = process.env.QDRANT_URL;
const QDRANT_BIN = process.env.QDRANT_BIN;
const haveQdrant = Boolean(QDRANT_URL || QDRANT_BIN);
export const SKIP_MESSAGE =
  'Qdrant leg skipped: set QDRANT_URL or QDRANT_BIN to run it (no Qdrant server can be downloaded on this machine)';

if (haveQdrant) {
  describeVectorIndex(
    QDRANT_URL ? `qdrant (remote ${QDRANT_URL})` : `qdrant (sidecar ${QDRANT_BIN})`,
    async () => {
      let endpoint: QdrantEndpoint | undefined;
      let sidecar: QdrantSidecar | undefined;
      let dir: string | undefined;
      if (QDRANT_URL) {
        endpoint = {
          url: QDRANT_URL,
          ...(process.env.QDRANT_API_KEY ? { apiKey: process.env.QDRANT_API_KEY } : {}),
        };
      } else {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-qdrant-'));
        const values = new Map<string, string>();
        sidecar = new QdrantSidecar({
          dataDir: dir,
          secrets: {
            reveal: async (id) => values.get(id) ?? null,
            set: async (id, v) => void values.set(id, v),
          },
        });
        const h = await sidecar.start();
        if (h.state !== 'ready') throw new Error(`Qdrant sidecar did not start: ${h.detail}`);
      }
      const index = new QdrantIndex({
        endpoint: () => endpoint ?? sidecar?.endpoint(),
        collectionPrefix: `nooktest_${process.pid}_`,
      });
      return {
        index,
        async cleanup() {
          await index.dispose();
          await sidecar?.stop();
          if (dir) fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    { exact: false },
  );
} else {
  describe.skip(SKIP_MESSAGE, () => {
    it('runs the VectorIndex contract against Qdrant', () => undefined);
  });
  // Said once on the console as well, so a CI log shows why the leg did not run.
  console.warn(SKIP_MESSAGE);
}

describe('Qdrant mapping (no server needed)', () => {
  it('maps every filter field to a Qdrant must-condition with the same meaning', () => {
    expect(toQdrantFilter(undefined)).toBeUndefined();
    expect(toQdrantFilter({})).toBeUndefined();
    expect(
      toQdrantFilter({
        documentIds: [1, 2],
        fileTypes: ['pdf'],
        folders: ['C:\\Users\\u\\docs\\', '/home/u/'],
        tags: ['a', 'b'],
        dateFrom: 10.2,
        dateTo: 20.7,
      }),
    ).toEqual({
      must: [
        { key: 'documentId', match: { any: [1, 2] } },
        { key: 'fileType', match: { any: ['pdf'] } },
        { key: 'folders', match: { any: ['C:/Users/u/docs', '/home/u'] } },
        { key: 'tags', match: { any: ['a', 'b'] } },
        { key: 'date', range: { gte: 11, lte: 20 } },
      ],
    });
    expect(toQdrantFilter({ dateTo: 5 })).toEqual({ must: [{ key: 'date', range: { lte: 5 } }] });
  });

  it('stores folder ancestors so a folder filter matches subfolders, and dedupes tags', () => {
    expect(
      toQdrantPayload({ documentId: 7, folder: '/home/u/notes/work', tags: ['x', 'x', 'y'], date: 5 }),
    ).toEqual({
      documentId: 7,
      folder: '/home/u/notes/work',
      folders: ['/', '/home', '/home/u', '/home/u/notes', '/home/u/notes/work'],
      tags: ['x', 'y'],
      date: 5,
    });
    expect(toQdrantPayload({ documentId: 1 })).toEqual({ documentId: 1 });
  });

  it('turns client and network errors into AppErrors with useful codes', () => {
    const resp = (status: number) =>
      new Error(`Unexpected Response: ${status} (X)\nRaw response content:\n{}`);
    expect(mapQdrantError(resp(401), 'search').code).toBe('UNAUTHORIZED');
    expect(mapQdrantError(resp(403), 'search').code).toBe('UNAUTHORIZED');
    expect(mapQdrantError(resp(404), 'search').code).toBe('NOT_FOUND');
    expect(mapQdrantError(resp(400), 'upsert').code).toBe('INVALID_INPUT');
    expect(mapQdrantError(resp(503), 'upsert').code).toBe('UNAVAILABLE');
    expect(mapQdrantError(new TypeError('fetch failed'), 'count')).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('not reachable (count)'),
    });
  });

  it('reports UNAVAILABLE, not a crash, when Qdrant is down or not reachable', async () => {
    const where: { endpoint?: QdrantEndpoint } = {};
    const index = new QdrantIndex({ endpoint: () => where.endpoint, timeoutMs: 2000 });
    await expect(index.count('chunks')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Qdrant is not running.',
    });
    expect(index.health().state).toBe('down');
    // A closed loopback port: connection refused.
    const net = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    where.endpoint = { url: `http://127.0.0.1:${port}`, apiKey: 'secret-key-value' };
    const e = await index.count('chunks').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'UNAVAILABLE' });
    expect(String((e as Error).message)).not.toContain('secret-key-value');
    expect(index.health().state).toBe('degraded');
  });
});
