/**
 * A local server speaking the OpenAI chat-completions protocol (SSE streaming) with injectable
 * faults, to drive the router through every failure path without a network.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultMode =
  | 'healthy'
  | 'timeout' // accepts the request and never answers
  | 'rate_limit' // 429 with Retry-After
  | 'server_error' // 500
  | 'cut' // streams a few tokens, then drops the connection
  | 'malformed' // a data: line that is not JSON
  | 'slow_first_token'; // the first token after `delayMs`

export interface FaultServer {
  url: string;
  /** Mode for the next requests; a list is consumed one per request (the last one sticks). */
  setMode(mode: FaultMode | FaultMode[]): void;
  /** Tokens a healthy answer streams. */
  answer: string[];
  delayMs: number;
  retryAfterSeconds: number;
  requests: Array<{ path: string; authorization: string | undefined; body: unknown }>;
  close(): Promise<void>;
}

export async function startFaultServer(): Promise<FaultServer> {
  let modes: FaultMode[] = ['healthy'];
  const sockets = new Set<Socket>();
  const state: FaultServer = {
    url: '',
    answer: ['The ', 'ferry ', 'leaves ', 'at ', 'noon ', '[1].'],
    delayMs: 300,
    retryAfterSeconds: 0,
    requests: [],
    setMode(m) {
      modes = Array.isArray(m) ? [...m] : [m];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const next = (): FaultMode => (modes.length > 1 ? modes.shift()! : modes[0]!);

  const chunk = (content: string | null, finish: string | null = null): string =>
    `data: ${JSON.stringify({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 0,
      model: 'fault',
      choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
    })}\n\n`;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      state.requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      const mode = next();
      if (req.url?.endsWith('/models')) {
        if (mode === 'healthy' || mode === 'slow_first_token' || mode === 'cut' || mode === 'malformed') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              object: 'list',
              data: [{ id: 'fault', object: 'model', created: 0, owned_by: 'me' }],
            }),
          );
        } else if (mode === 'timeout') {
          /* never answers */
        } else {
          res.writeHead(mode === 'rate_limit' ? 429 : 500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'down', type: 'server_error' } }));
        }
        return;
      }
      switch (mode) {
        case 'timeout':
          return; // keep the socket open, say nothing
        case 'rate_limit':
          res.writeHead(429, {
            'content-type': 'application/json',
            'retry-after': String(state.retryAfterSeconds),
          });
          res.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit' } }));
          return;
        case 'server_error':
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'boom', type: 'server_error' } }));
          return;
        default:
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (mode === 'malformed') {
        res.end('data: {"id": "c1", "choices": [{"delta": {"content": "The fe\n\n');
        return;
      }
      const send = async (): Promise<void> => {
        if (mode === 'slow_first_token') await new Promise((r) => setTimeout(r, state.delayMs));
        const tokens = mode === 'cut' ? state.answer.slice(0, 2) : state.answer;
        for (const t of tokens) {
          res.write(chunk(t));
          await new Promise((r) => setTimeout(r, 5));
        }
        if (mode === 'cut') {
          res.socket?.destroy();
          return;
        }
        res.write(chunk(null, 'stop'));
        res.write(
          `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'fault', choices: [], usage: { prompt_tokens: 42, completion_tokens: tokens.length, total_tokens: 42 + tokens.length } })}\n\n`,
        );
        res.end('data: [DONE]\n\n');
      };
      void send();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
