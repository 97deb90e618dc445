#!/usr/bin/env node
/**
 * Draws Nook's icons with no image tools: a small signed-distance rasterizer (4x4 supersampling)
 * and a PNG encoder over node:zlib. Run `node scripts/makeIcons.mjs` and commit the PNGs.
 *   resources/icon.png              512x512 app icon (installers, window icon on Linux)
 *   resources/tray.png              32x32 coloured tray icon (Windows, Linux)
 *   resources/trayTemplate.png      16x16 black-on-transparent template (macOS menu bar)
 *   resources/trayTemplate@2x.png   32x32 the same for Retina
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources');

// ---- PNG encoding -------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- Shapes (in a 512x512 design space; negative distance = inside) -------------------------------
function roundedRect(x, y, cx, cy, hw, hh, r) {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}
function circle(x, y, cx, cy, r) {
  return Math.hypot(x - cx, y - cy) - r;
}
/** An arched doorway: the "nook". */
function arch(x, y) {
  // The body reaches up into the half-circle, so the union has no seam where they meet.
  const body = roundedRect(x, y, 256, 308, 92, 96, 12);
  const top = circle(x, y, 256, 232, 92);
  return Math.min(body, top);
}
/** A warm light inside the nook. */
function light(x, y) {
  return circle(x, y, 256, 300, 30);
}

function mix(a, b, t) {
  return a.map((v, i) => v + (b[i] - v) * t);
}

/** Colour and coverage of the full icon at a design-space point. */
function iconSample(x, y) {
  if (roundedRect(x, y, 256, 256, 224, 224, 100) > 0) return [0, 0, 0, 0];
  const bg = mix([43, 58, 103], [86, 120, 220], y / 512);
  if (light(x, y) <= 0) return [255, 196, 92, 255];
  if (arch(x, y) <= 0) return [250, 248, 242, 255];
  return [...bg, 255];
}

/** Black silhouette for the macOS template: the arch with the light cut out. */
function templateSample(x, y) {
  // Scale the arch to fill the small canvas: map 512 space so the arch spans most of it.
  const s = 1.8;
  const X = 256 + (x - 256) / s;
  const Y = 272 + (y - 256) / s;
  if (arch(X, Y) <= 0 && light(X, Y) > 0) return [0, 0, 0, 255];
  return [0, 0, 0, 0];
}

function render(size, sample, ss = 4) {
  const out = Buffer.alloc(size * size * 4);
  const scale = 512 / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const [cr, cg, cb, ca] = sample((px + (sx + 0.5) / ss) * scale, (py + (sy + 0.5) / ss) * scale);
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const i = (py * size + px) * 4;
      out[i] = a ? Math.round(r / a) : 0;
      out[i + 1] = a ? Math.round(g / a) : 0;
      out[i + 2] = a ? Math.round(b / a) : 0;
      out[i + 3] = Math.round(a / (ss * ss));
    }
  }
  return out;
}

const files = [
  ['icon.png', 512, iconSample],
  ['tray.png', 32, iconSample],
  ['trayTemplate.png', 16, templateSample],
  ['trayTemplate@2x.png', 32, templateSample],
];
fs.mkdirSync(outDir, { recursive: true });
for (const [name, size, sample] of files) {
  const png = encodePng(size, size, render(size, sample, size <= 32 ? 8 : 4));
  fs.writeFileSync(path.join(outDir, name), png);
  console.log(`${name}: ${size}x${size}, ${png.length} bytes`);
}
