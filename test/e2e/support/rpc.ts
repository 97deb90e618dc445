/**
 * Test set-up and checks straight over the host's WebSocket, with the browser context's session
 * cookie: resetting settings between specs, reading what the server holds.
 */
import WebSocket from 'ws';
import type { BrowserContext } from '@playwright/test';
import type { RouteName } from '../../../src/shared/ipc/channels';
import type { RouteInput, RouteOutput } from '../../../src/shared/ipc/contract';
import type { Result } from '../../../src/shared/ipc/result';

export async function callRoute<R extends RouteName>(
  context: BrowserContext,
  hostUrl: string,
  route: R,
  input: RouteInput<R>,
): Promise<Result<RouteOutput<R>>> {
  const cookies = await context.cookies(hostUrl);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const ws = new WebSocket(`${hostUrl.replace(/^http/, 'ws')}/ws`, {
    headers: { Cookie: cookie, Origin: hostUrl },
  });
  try {
    return await new Promise<Result<RouteOutput<R>>>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`WebSocket refused: HTTP ${res.statusCode}`)),
      );
      ws.once('open', () => ws.send(JSON.stringify({ id: 1, route, input })));
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { id?: unknown; result?: Result<RouteOutput<R>> };
        if (msg.id === 1 && msg.result) resolve(msg.result);
      });
    });
  } finally {
    ws.close();
  }
}

export async function resetSettings(context: BrowserContext, hostUrl: string): Promise<void> {
  const r = await callRoute(context, hostUrl, 'settings.reset', {});
  if (!r.ok) throw new Error(`settings.reset failed: ${r.code} ${r.message}`);
}
