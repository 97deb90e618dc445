/**
 * Saves text as a file through the browser's download (a Blob URL on an `<a download>`): a browser
 * downloads it, and the desktop app's window asks where to save it (Electron's will-download).
 */
export function downloadText(filename: string, text: string, type = 'text/markdown;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started from the URL; free it once the click has been handled.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * A `data:` URL as a `blob:` URL: the desktop window's CSP allows media from blob: but not data:,
 * so speech audio (a WAV data URL) is played from a Blob. Revoke the URL when done.
 */
export function dataUrlToBlobUrl(dataUrl: string): string {
  const m = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(dataUrl);
  if (!m) throw new Error('Not a data URL');
  const type = m[1] ?? 'application/octet-stream';
  const payload = m[3] ?? '';
  let bytes: Uint8Array;
  if (m[2]) {
    const bin = atob(payload);
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  } else bytes = new TextEncoder().encode(decodeURIComponent(payload));
  return URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
}
