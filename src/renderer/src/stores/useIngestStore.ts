import { create } from 'zustand';
import type {
  FileProgress,
  IngestJob,
  IngestProgress,
  IngestStatus,
  IngestTotals,
} from '../../../shared/types/library';
import { importDropped, invoke, on, onConnectionState, type DroppedFiles, type UploadProgress } from '../api';
import { toastError, useToastStore } from './useToastStore';

/** One file in the import panel: the job as `ingest.status` knows it, kept current by `ingest.progress`. */
export type JobView = Pick<
  IngestJob,
  'id' | 'path' | 'batchId' | 'state' | 'stage' | 'error' | 'outcome' | 'bytes' | 'chunks'
>;

export interface UploadState {
  files: number;
  loaded: number;
  total: number;
}

interface IngestState {
  paused: boolean;
  active: boolean;
  totals: IngestTotals | null;
  reembed: IngestStatus['reembed'];
  /** Jobs by id, in the order they were queued. */
  jobs: Map<number, JobView>;
  /**
   * Finished jobs the panel no longer shows: closed by the user, or already finished when this page
   * first asked (a page opened later does not replay an old import; unresolved failures still show).
   */
  hidden: ReadonlySet<number>;
  /** Whether the first `ingest.status` has been read. */
  loaded: boolean;
  /** The newest job id `ingest.status` has listed (an event with a newer one means new jobs). */
  knownLastJobId: number;
  /** Browser uploads in flight (files, bytes sent). */
  uploads: UploadState[];
  refresh(): Promise<void>;
  applyProgress(p: IngestProgress): void;
  importFiles(dropped: DroppedFiles): Promise<void>;
  pickAndImport(folders: boolean): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  cancel(target?: { jobId?: number; batchId?: string }): Promise<void>;
  retry(jobId: number): Promise<void>;
  /** Hides every finished job (the panel closes when nothing is left). */
  dismiss(): void;
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);

export function isFinished(job: Pick<JobView, 'state'>): boolean {
  return FINISHED.has(job.state);
}

/** The jobs the panel shows, in queue order, minus hidden ones. */
export function visibleJobs(s: Pick<IngestState, 'jobs' | 'hidden'>): JobView[] {
  const out: JobView[] = [];
  for (const j of s.jobs.values()) if (!s.hidden.has(j.id)) out.push(j);
  return out;
}

function toView(j: IngestJob): JobView {
  return {
    id: j.id,
    path: j.path,
    batchId: j.batchId,
    state: j.state,
    stage: j.stage,
    error: j.error,
    outcome: j.outcome,
    bytes: j.bytes,
    chunks: j.chunks,
  };
}

function merge(prev: JobView | undefined, f: FileProgress): JobView {
  return {
    id: f.jobId,
    path: f.path,
    batchId: prev?.batchId ?? '',
    bytes: prev?.bytes ?? 0,
    state: f.state,
    stage: f.stage,
    error: f.error,
    outcome: f.outcome,
    chunks: f.chunks,
  };
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<void> | undefined;
let refreshAgain = false;

/** Reads `ingest.status` into the store. */
async function readStatus(): Promise<void> {
  const r = await invoke('ingest.status', {});
  if (!r.ok) return;
  const s = useIngestStore.getState();
  const jobs = new Map<number, JobView>();
  for (const j of r.value.jobs) jobs.set(j.id, toView(j));
  let hidden = s.hidden;
  if (!s.loaded && !r.value.jobs.some((j) => !isFinished(j))) {
    // A page opened after an import ended does not replay it (unresolved failures still show). A
    // page opened while one runs shows all of that run, finished files included, so its rows and
    // its totals describe the same files.
    const old = new Set(hidden);
    for (const j of jobs.values()) if (j.state === 'done' || j.state === 'cancelled') old.add(j.id);
    hidden = old;
  }
  useIngestStore.setState({
    paused: r.value.paused,
    active: r.value.active,
    totals: r.value.totals,
    reembed: r.value.reembed,
    jobs,
    hidden,
    loaded: true,
    knownLastJobId: Math.max(s.knownLastJobId, r.value.totals.lastJobId),
  });
}

export const useIngestStore = create<IngestState>((set, get) => ({
  paused: false,
  active: false,
  totals: null,
  reembed: null,
  jobs: new Map(),
  hidden: new Set(),
  loaded: false,
  knownLastJobId: 0,
  uploads: [],

  refresh() {
    // One read at a time; a call while one is in flight asks for one more read after it (the
    // answer in flight may predate what the caller learnt).
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    const run = (async () => {
      try {
        do {
          refreshAgain = false;
          await readStatus();
        } while (refreshAgain);
      } finally {
        refreshing = undefined;
      }
    })();
    refreshing = run;
    return run;
  },

  applyProgress(p) {
    const jobs = new Map(get().jobs);
    let unknown = false;
    for (const f of p.files) {
      const prev = jobs.get(f.jobId);
      if (!prev) unknown = true;
      jobs.set(f.jobId, merge(prev, f));
    }
    set({ paused: p.paused, active: p.active, totals: p.totals, reembed: p.reembed, jobs });
    if (p.totals.lastJobId > get().knownLastJobId) {
      // Jobs were queued that this page has not listed (another window, a route, the quick ask).
      // Totals are published only after a batch's one transaction, so the whole batch is there.
      void get().refresh();
    } else if (unknown && !refreshTimer) {
      // A job first seen in an event lacks its size and batch: fetch the full list soon (coalesced).
      refreshTimer = setTimeout(() => {
        refreshTimer = undefined;
        void get().refresh();
      }, 500);
    }
  },

  async importFiles(dropped) {
    const n = dropped.kind === 'paths' ? dropped.paths.length : dropped.files.length;
    let upload: UploadState | undefined;
    if (dropped.kind === 'files') {
      const total = dropped.files.reduce((a, f) => a + f.size, 0);
      upload = { files: n, loaded: 0, total };
      set((s) => ({ uploads: [...s.uploads, upload!] }));
    }
    const onProgress = (p: UploadProgress) => {
      if (!upload) return;
      const next = { ...upload, loaded: p.loaded, total: p.total || upload.total };
      set((s) => ({ uploads: s.uploads.map((u) => (u === upload ? next : u)) }));
      upload = next;
    };
    const r = await importDropped(dropped, onProgress);
    // The upload stays listed until the queue has been read again, so the panel goes straight from
    // "Uploading" to the new run (not back to the previous run's totals in between).
    const uploaded = (): void => {
      if (upload) set((s) => ({ uploads: s.uploads.filter((u) => u !== upload) }));
    };
    if (!r.ok) {
      uploaded();
      toastError(r);
      return;
    }
    const { queued, alreadyQueued, ignored, missing, rejected } = r.value;
    const push = useToastStore.getState().push;
    const skipped = [
      ...rejected.map((x) => `${x.name} (${x.reason})`),
      ...missing.map((m) => `${m} (not found)`),
    ];
    if (queued === 0 && alreadyQueued === 0)
      push({
        level: 'warning',
        message:
          skipped.length > 0
            ? `Nothing to import: ${skipped.slice(0, 3).join('; ')}${skipped.length > 3 ? ` and ${skipped.length - 3} more` : ''}`
            : `Nothing to import: Nook does not read ${ignored === 1 ? 'that type of file' : 'those types of files'}`,
      });
    else if (skipped.length > 0 || ignored > 0)
      push({
        level: 'warning',
        message: `Importing ${queued} ${queued === 1 ? 'file' : 'files'}; skipped ${skipped.length + ignored}${skipped.length > 0 ? `: ${skipped.slice(0, 2).join('; ')}` : ' of types Nook does not read'}`,
      });
    await get().refresh();
    uploaded();
  },

  async pickAndImport(folders) {
    const r = await invoke('app.pickFiles', { folders });
    if (!r.ok) return toastError(r);
    if (r.value.paths.length === 0) return;
    await get().importFiles({ kind: 'paths', paths: r.value.paths, names: r.value.paths });
  },

  async pause() {
    const r = await invoke('ingest.pause', {});
    if (r.ok) set({ paused: r.value.paused, active: r.value.active, totals: r.value.totals });
    else toastError(r);
  },
  async resume() {
    const r = await invoke('ingest.resume', {});
    if (r.ok) set({ paused: r.value.paused, active: r.value.active, totals: r.value.totals });
    else toastError(r);
  },
  async cancel(target = {}) {
    const r = await invoke('ingest.cancel', target);
    if (!r.ok) return toastError(r);
    await get().refresh();
  },
  async retry(jobId) {
    const r = await invoke('ingest.retry', { jobId });
    if (!r.ok) return toastError(r);
    set((s) => {
      const jobs = new Map(s.jobs);
      jobs.set(jobId, toView(r.value));
      return { jobs };
    });
  },
  dismiss() {
    const hidden = new Set(get().hidden);
    for (const j of get().jobs.values()) if (isFinished(j)) hidden.add(j.id);
    set({ hidden });
  },
}));

/** Keeps the store on `ingest.progress`, and re-reads the whole queue after every (re)connection. */
export function startIngestSync(): () => void {
  const offProgress = on('ingest.progress', (p) => useIngestStore.getState().applyProgress(p));
  const offState = onConnectionState((state) => {
    if (state === 'open') void useIngestStore.getState().refresh();
  });
  return () => {
    offProgress();
    offState();
  };
}

export function formatDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}
