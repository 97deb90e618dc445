/**
 * The desktop path of the renderer (`window.nook` present) without an Electron binary: an init
 * script that plays the preload. Its bridge has the PreloadBridge shape, forwards every call to the
 * real host over its own WebSocket and records it (`__bridgeCalls`), answers the routes named in
 * `__cannedRoutes` itself (what the desktop shell would answer), lets a test emit shell events
 * (`__emit`), and answers pathsForFiles with absolute paths the way webUtils.getPathForFile does
 * (recording the names asked for in `__pathsAskedFor`).
 */
export const FAKE_PRELOAD = `
(() => {
  const calls = [];
  const listeners = new Map();
  const pending = new Map();
  let nextId = 1;
  const ws = new WebSocket('ws://' + location.host + '/ws');
  const ready = new Promise((resolve) => ws.addEventListener('open', resolve));
  ws.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    if (typeof m.event === 'string') for (const cb of listeners.get(m.event) || []) cb(m.payload);
    else if (pending.has(m.id)) { pending.get(m.id)(m.result); pending.delete(m.id); }
  });
  window.__bridgeCalls = calls;
  window.__emit = (event, payload) => { for (const cb of listeners.get(event) || []) cb(payload); };
  window.nook = {
    platform: 'linux',
    async invoke(route, input) {
      calls.push({ route, input });
      const canned = (window.__cannedRoutes || {})[route];
      if (canned) return canned;
      await ready;
      return new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, route, input }));
      });
    },
    on(event, cb) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(cb);
      return () => listeners.get(event).delete(cb);
    },
    pathsForFiles(files) {
      window.__pathsAskedFor = Array.from(files, (f) => f.name);
      return Array.from(files, (f) => '/home/tester/Documents/' + f.name);
    },
  };
})();
`;

/** An init script (add it before FAKE_PRELOAD) giving the shell's own answers for these routes. */
export function cannedRoutes(answers: Record<string, unknown>): string {
  return `window.__cannedRoutes = ${JSON.stringify(answers)};`;
}

/** What FAKE_PRELOAD leaves on the page. */
export interface BridgeGlobals {
  __bridgeCalls: Array<{ route: string; input: unknown }>;
  __cannedRoutes?: Record<string, unknown>;
  __emit(event: string, payload: unknown): void;
  __pathsAskedFor?: string[];
}
