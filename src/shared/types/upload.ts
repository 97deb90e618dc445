/**
 * The host's HTTP file routes, used by the browser UI where dropped files have no path (see
 * src/main/host/upload.ts). Plain types: the answer is a Result like every route's.
 */
import type { ImportResult } from './library';

export const UPLOAD_PATH = '/api/knowledge/upload';
export const ORIGINAL_PATH_PREFIX = '/api/knowledge/original/';

export interface UploadRejection {
  name: string;
  reason: string;
}

/** What `POST /api/knowledge/upload` answers (inside `{ ok: true, value }`). */
export interface UploadResult extends ImportResult {
  /** Files written to disk and handed to `knowledge.import`. */
  stored: number;
  /** Files refused before the import (unsupported type, too large, unsafe name). */
  rejected: UploadRejection[];
}
