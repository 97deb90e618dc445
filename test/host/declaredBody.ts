/**
 * A POST that declares a body length and sends only its start, then reads the answer: how to test
 * that a server refuses an oversized body on its declared length. (A client uploading the whole
 * body may see a broken pipe instead of the answer, when the server answers and closes first.)
 */
import net from 'node:net';

export function postDeclaredLength(
  url: string,
  path: string,
  o: { length: number; headers?: Record<string, string>; start?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const socket = net.connect(Number(u.port), u.hostname);
    let text = '';
    const done = (): boolean => {
      const head = text.indexOf('\r\n\r\n');
      if (head === -1) return false;
      const length = Number(/content-length:\s*(\d+)/i.exec(text.slice(0, head))?.[1] ?? NaN);
      if (Buffer.byteLength(text.slice(head + 4)) < length) return false;
      socket.destroy();
      resolve({ status: Number(text.slice(9, 12)), body: text.slice(head + 4) });
      return true;
    };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      done();
    });
    socket.on('error', reject);
    socket.on('close', () => done() || reject(new Error(`closed without an answer: ${text}`)));
    const headers = Object.entries({ 'content-type': 'application/json', ...o.headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\n${headers}Content-Length: ${o.length}\r\n\r\n${o.start ?? ''}`,
    );
  });
}
