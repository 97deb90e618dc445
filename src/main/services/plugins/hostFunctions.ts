/**
 * The host functions a plugin may import from `extism:host/user`, one family per permission.
 * Every function takes one JSON text and answers one JSON text:
 *   `{"ok":true,"value":...}` or `{"ok":false,"error":"..."}`.
 * A function whose permission was not granted is still linked (so the module loads) but answers
 * `{"ok":false,"error":"Permission \"x\" was not granted ..."}`, which the SDK surfaces inside the plugin.
 * They never throw: an exception escaping into Extism's worker bridge would take the call down.
 */
import type { CallContext } from '@extism/extism';
import type { PluginPermission } from '../../../shared/types/plugins';
import type { HostFunction } from './pluginRuntime';

export const HOST_FUNCTIONS: Record<string, PluginPermission> = {
  kb_search: 'kb.search',
  notes_add: 'notes.add',
  notify: 'notify',
  http_fetch: 'http.fetch',
  kv_get: 'kv',
  kv_set: 'kv',
  log: 'log',
};

export const HTTP_LIMITS = {
  maxResponseBytes: 1024 * 1024,
  timeoutMs: 10_000,
  maxRedirects: 3,
  maxRequestBytes: 256 * 1024,
};
const MAX_INPUT_BYTES = 1024 * 1024;

export interface KbHit {
  title: string;
  text: string;
  source: string;
}

/** What the host functions reach; each is optional so a missing service answers a clear error. */
export interface HostPorts {
  kbSearch?: (query: string, k: number) => Promise<KbHit[]>;
  notesAdd?: (note: { title: string; text: string }, pluginId: string) => Promise<{ id: string | number }>;
  notify?: (notice: { level: 'info' | 'warning'; message: string }, pluginId: string) => void;
  kvGet: (key: string) => string | null;
  kvSet: (key: string, value: string | null) => void;
  log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  fetch?: typeof fetch;
}

export interface HostContext {
  pluginId: string;
  pluginName: string;
  granted: ReadonlySet<PluginPermission>;
  allowedHosts: readonly string[];
  timeoutMs: number;
  /** Aborted when the call in flight is abandoned (timeout): a fetch stops at once. */
  signal: () => AbortSignal;
}

class HostError extends Error {}

function str(v: unknown, name: string, max: number): string {
  if (typeof v !== 'string') throw new HostError(`"${name}" must be a string`);
  if (v.length > max) throw new HostError(`"${name}" is longer than ${max} characters`);
  return v;
}

/** Whether `url`'s host (and port) is one the manifest lists. `host` entries allow any port. */
export function hostAllowed(url: URL, allowed: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(e);
    if (!m) return false;
    return m[1] === host && (m[2] === undefined || m[2] === port);
  });
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new HostError(`the response is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

async function httpFetch(input: Record<string, unknown>, c: HostContext, ports: HostPorts) {
  const method = input.method === undefined ? 'GET' : str(input.method, 'method', 10).toUpperCase();
  if (!['GET', 'POST', 'PUT', 'DELETE', 'HEAD'].includes(method))
    throw new HostError(`method ${method} is not supported`);
  const headers: Record<string, string> = {};
  if (input.headers !== undefined) {
    if (typeof input.headers !== 'object' || input.headers === null)
      throw new HostError('"headers" must be an object');
    for (const [k, v] of Object.entries(input.headers)) headers[k] = str(v, `headers.${k}`, 4096);
  }
  const body = input.body === undefined ? undefined : str(input.body, 'body', HTTP_LIMITS.maxRequestBytes);
  let url: URL;
  try {
    url = new URL(str(input.url, 'url', 4096));
  } catch (e) {
    if (e instanceof HostError) throw e;
    throw new HostError('"url" is not a valid URL');
  }
  const doFetch = ports.fetch ?? fetch;
  const signal = AbortSignal.any([
    c.signal(),
    AbortSignal.timeout(Math.min(HTTP_LIMITS.timeoutMs, c.timeoutMs)),
  ]);
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new HostError(`only http and https URLs can be fetched`);
    if (url.username || url.password) throw new HostError('URLs with credentials are refused');
    if (!hostAllowed(url, c.allowedHosts))
      throw new HostError(
        `http.fetch to ${url.host} is refused: the plugin's manifest allows only ${c.allowedHosts.join(', ') || 'no hosts'}`,
      );
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : body,
        redirect: 'manual',
        signal,
      });
    } catch (e) {
      throw new HostError(
        `http.fetch to ${url.host} failed: ${signal.aborted ? 'timed out' : (e as Error).message}`,
      );
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel().catch(() => undefined);
      if (hop >= HTTP_LIMITS.maxRedirects) throw new HostError('too many redirects');
      url = new URL(location, url); // checked against the allow-list at the top of the loop
      continue;
    }
    const bytes = await readCapped(res, HTTP_LIMITS.maxResponseBytes);
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      body: new TextDecoder().decode(bytes),
    };
  }
}

type Handler = (input: Record<string, unknown>) => Promise<unknown> | unknown;

/** Builds the `extism:host/user` functions for one plugin. */
export function createHostFunctions(c: HostContext, ports: HostPorts): Record<string, HostFunction> {
  const notifyTimes: number[] = [];
  const handlers: Record<string, Handler> = {
    kb_search: async (i) => {
      if (!ports.kbSearch) throw new HostError('the knowledge base is not running');
      const query = str(i.query, 'query', 2000).trim();
      if (!query) throw new HostError('"query" is empty');
      const k = typeof i.k === 'number' && Number.isInteger(i.k) ? Math.min(Math.max(i.k, 1), 20) : 5;
      return await ports.kbSearch(query, k);
    },
    notes_add: async (i) => {
      if (!ports.notesAdd) throw new HostError('notes are not available');
      const title = str(i.title, 'title', 200).trim() || `Note from ${c.pluginName}`;
      return await ports.notesAdd({ title, text: str(i.text, 'text', 100_000) }, c.pluginId);
    },
    notify: (i) => {
      if (!ports.notify) throw new HostError('notifications are not available');
      const now = Date.now();
      while (notifyTimes.length && notifyTimes[0]! < now - 60_000) notifyTimes.shift();
      if (notifyTimes.length >= 10) throw new HostError('at most 10 notifications a minute');
      notifyTimes.push(now);
      const level = i.level === 'warning' ? 'warning' : 'info';
      ports.notify({ level, message: `${c.pluginName}: ${str(i.message, 'message', 500)}` }, c.pluginId);
      return true;
    },
    http_fetch: (i) => httpFetch(i, c, ports),
    kv_get: (i) => ports.kvGet(str(i.key, 'key', 256)),
    kv_set: (i) => {
      const value = i.value === null || i.value === undefined ? null : str(i.value, 'value', 64 * 1024);
      ports.kvSet(str(i.key, 'key', 256), value);
      return true;
    },
    log: (i) => {
      const level = (['debug', 'info', 'warn', 'error'] as const).find((l) => l === i.level) ?? 'info';
      ports.log(level, str(i.message, 'message', 4000));
      return true;
    },
  };

  const fns: Record<string, HostFunction> = {};
  for (const [name, permission] of Object.entries(HOST_FUNCTIONS)) {
    const handler = handlers[name]!;
    fns[name] = async (ctx: CallContext, offset: bigint): Promise<bigint> => {
      let answer: unknown;
      try {
        if (!c.granted.has(permission))
          throw new HostError(
            `Permission "${permission}" was not granted to plugin ${c.pluginId}; ${name} is unavailable.`,
          );
        const raw = ctx.read(offset);
        const bytes = raw?.bytes() ?? new Uint8Array();
        if (bytes.length > MAX_INPUT_BYTES) throw new HostError(`the input to ${name} is larger than 1 MB`);
        let input: unknown = {};
        if (bytes.length > 0) {
          try {
            input = JSON.parse(new TextDecoder().decode(bytes));
          } catch {
            throw new HostError(`the input to ${name} is not JSON`);
          }
        }
        if (typeof input !== 'object' || input === null || Array.isArray(input))
          throw new HostError(`the input to ${name} must be a JSON object`);
        answer = { ok: true, value: (await handler(input as Record<string, unknown>)) ?? null };
      } catch (e) {
        const message =
          e instanceof HostError || (e as { name?: string }).name === 'AppError'
            ? (e as Error).message
            : `${name} failed`;
        answer = { ok: false, error: message };
        if (!(e instanceof HostError) && (e as { name?: string }).name !== 'AppError')
          ports.log('warn', `host function ${name} failed: ${(e as Error)?.message ?? String(e)}`);
      }
      try {
        return ctx.store(JSON.stringify(answer));
      } catch {
        return 0n;
      }
    };
  }
  return fns;
}
