/**
 * DNS-rebinding and cross-site protection for the loopback host. A page on evil.example that
 * rebinds its name to 127.0.0.1 still sends `Host: evil.example`; a cross-site form or fetch sends
 * its own `Origin`. Both are refused before authentication is even looked at.
 */

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The Host header values the host answers to on `port`. */
export function allowedHosts(port: number): Set<string> {
  return new Set(LOOPBACK_NAMES.map((name) => `${name}:${port}`));
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

/**
 * `Host` must name a loopback address with our port. `Origin`, when sent, must be exactly our own
 * origin as the browser addressed it (`http://` + the Host header), so `localhost` pages may not
 * call the `127.0.0.1` origin and vice versa, and `Origin: null` (sandboxed frames, file pages) is
 * refused; or exactly one of the origins the user allowed (settings `api.allowedOrigins`, lowercase).
 */
export function checkHostAndOrigin(
  headers: { host?: string | string[] | undefined; origin?: string | string[] | undefined },
  port: number,
  allowedOrigins: readonly string[] = [],
): GuardVerdict {
  const host = headers.host;
  if (typeof host !== 'string' || host.length === 0) return { ok: false, reason: 'missing Host header' };
  const normalizedHost = host.toLowerCase();
  if (!allowedHosts(port).has(normalizedHost)) return { ok: false, reason: 'foreign Host header' };
  const origin = headers.origin;
  if (origin === undefined) return { ok: true };
  if (typeof origin !== 'string') return { ok: false, reason: 'repeated Origin header' };
  const normalizedOrigin = origin.toLowerCase();
  if (normalizedOrigin !== `http://${normalizedHost}` && !allowedOrigins.includes(normalizedOrigin))
    return { ok: false, reason: 'foreign Origin header' };
  return { ok: true };
}
