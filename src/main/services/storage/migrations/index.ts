/**
 * Every schema migration, in order. Bundlers cannot glob at runtime, so each file is imported here.
 *
 * To add one: create `NNNN-what-it-does.ts` (next multiple of 10) exporting `migration`, add ONE line
 * to the list below, and add a test in test/services/storage/ that migrates up to it from the
 * previous version. Never edit a migration that has shipped; write a new one.
 */
import type { Migration } from './types';
import { migration as m0010 } from './0010-create-meta';
import { migration as m0030 } from './0030-vector-collections';
import { migration as m0040 } from './0040-knowledge';
import { migration as m0060 } from './0060-voice';
import { migration as m0070 } from './0070-assistant';
import { migration as m0080 } from './0080-plugins';
import { migration as m0090 } from './0090-briefing';
import { migration as m0100 } from './0100-api-tokens';
import { migration as m0110 } from './0110-sentence-vectors';
import { migration as m0120 } from './0120-chunk-document-index';

export const MIGRATIONS: readonly Migration[] = [
  m0010,
  // m0020, ...
  m0030,
  m0040,
  m0060,
  m0070,
  m0080,
  m0090,
  m0100,
  m0110,
  m0120,
];

export type { Migration } from './types';
