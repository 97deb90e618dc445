/**
 * Online checks for stored secrets. A tester receives the value inside the main process and answers
 * only ok/message; the SecretStore redacts the message before it leaves.
 */
export interface SecretTestResult {
  ok: boolean;
  message: string;
}

export type SecretTester = (value: string) => Promise<SecretTestResult>;

export interface HttpTesterOptions {
  /** e.g. https://api.openai.com/v1 ; a function is read at test time (settings may change it). */
  baseUrl: string | (() => string);
  /** Display name in messages. */
  name: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * OpenAI-compatible providers (OpenAI, Gemini's OpenAI endpoint, LM Studio, vLLM, ...):
 * GET `${baseUrl}/models` with `Authorization: Bearer <key>`.
 */
export function openAiCompatibleTester(options: HttpTesterOptions): SecretTester {
  return (value) =>
    httpCheck(options, '/models', { Authorization: `Bearer ${value}` }, async (res) => {
      let count: number | undefined;
      try {
        const body = (await res.json()) as { data?: unknown[] };
        if (Array.isArray(body.data)) count = body.data.length;
      } catch {
        // A 200 without a JSON body still means the key was accepted.
      }
      return count === undefined ? '' : ` (${count} model${count === 1 ? '' : 's'} available)`;
    });
}

/** ElevenLabs: GET `${baseUrl}/user` with the `xi-api-key` header. */
export function elevenLabsTester(options: HttpTesterOptions): SecretTester {
  return (value) => httpCheck(options, '/user', { 'xi-api-key': value }, async () => '');
}

async function httpCheck(
  options: HttpTesterOptions,
  route: string,
  headers: Record<string, string>,
  describeOk: (res: Response) => Promise<string>,
): Promise<SecretTestResult> {
  const base = (typeof options.baseUrl === 'function' ? options.baseUrl() : options.baseUrl).replace(
    /\/+$/,
    '',
  );
  const url = `${base}${route}`;
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    return { ok: false, message: `The ${options.name} address is not a valid URL: ${base}` };
  }
  const doFetch = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'GET',
      headers: { Accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      redirect: 'error',
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? 'timed out' : (err.cause?.code ?? err.message);
    return { ok: false, message: `Could not reach ${options.name} at ${host}: ${why}` };
  }
  if (res.ok) return { ok: true, message: `${options.name} accepted the key${await describeOk(res)}.` };
  await res.body?.cancel().catch(() => undefined);
  if (res.status === 401 || res.status === 403) {
    return { ok: false, message: `${options.name} rejected the key (HTTP ${res.status}).` };
  }
  if (res.status === 429)
    return { ok: false, message: `${options.name} is rate limiting requests (HTTP 429); try again later.` };
  return { ok: false, message: `${options.name} answered HTTP ${res.status} at ${host}.` };
}
