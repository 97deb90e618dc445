/**
 * Local API access (issue #9): what an API token may do, what the user sees of one, and the API's
 * settings section. A token's VALUE is never part of any of these: it lives in the OS keychain and is
 * shown once, in the answer to `apiTokens.create`.
 */
import { z } from 'zod';

/**
 * - `read`: every GET route of the REST API, the WebSocket's events and read routes, `/metrics`.
 * - `write`: routes that change state (POST).
 * - `models`: the OpenAI-compatible `/v1/*` endpoints.
 */
export const API_SCOPES = ['read', 'write', 'models'] as const;
export const ApiScopeSchema = z.enum(API_SCOPES);
export type ApiScope = z.infer<typeof ApiScopeSchema>;

/** `tok_` + 16 hex digits. */
export const ApiTokenIdSchema = z
  .string()
  .regex(/^tok_[0-9a-f]{16}$/, 'A token id looks like tok_0123456789abcdef');

export const ApiTokenInfoSchema = z.object({
  id: ApiTokenIdSchema,
  name: z.string(),
  scopes: z.array(ApiScopeSchema),
  /** ISO-8601 times. */
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiTokenInfo = z.infer<typeof ApiTokenInfoSchema>;

export const ApiTokenCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(80),
    scopes: z
      .array(ApiScopeSchema)
      .min(1)
      .max(API_SCOPES.length)
      .refine((s) => new Set(s).size === s.length, 'Each scope at most once'),
  })
  .strict();

export const ApiTokenCreatedSchema = z.object({
  token: ApiTokenInfoSchema,
  /** The bearer value, shown once: Nook keeps it only in the OS keychain and never returns it again. */
  value: z.string(),
});

/** An origin as a browser sends it: scheme, host and optional port, nothing else. */
export const ApiOriginSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(256)
  .regex(
    /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9a-f:]+\](:\d{1,5})?$/,
    'An origin looks like http://localhost:3000',
  );

export const DEFAULT_API_PORT = 8765;

/** The `api` section of the settings. */
export const ApiSettingsSchema = z.object({
  /** The desktop app serves the local API on 127.0.0.1 only when this is on. */
  enabled: z.boolean().default(false),
  port: z.number().int().min(1024).max(65535).default(DEFAULT_API_PORT),
  /** Browser origins allowed to call the API (CORS); empty: no cross-origin caller at all. */
  allowedOrigins: z.array(ApiOriginSchema).max(32).default([]),
  /** Requests a user token may make per minute (the installation token and the browser session are not limited). */
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).default(600),
});
export type ApiSettings = z.infer<typeof ApiSettingsSchema>;
