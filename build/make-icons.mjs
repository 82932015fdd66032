#!/usr/bin/env node
// Draws the app icon and writes the PNGs electron-builder packages (build/icon.png for macOS and Windows, which it
// converts to .icns/.ico; build/icons/NxN.png for Linux). No image library: shapes are signed distance fields, with
// one pixel of anti-aliasing, encoded as RGBA PNG with node:zlib.
//
// The mark is a word alignment, what the lab is for: "the green car" over "la voiture verte", the adjective crossing
// over the noun as it moves after it in French.
//
//   node build/make-icons.mjs
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import console from 'node:console';

const here = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------------------------
// Shapes, in a unit square (0..1), as signed distances (negative inside)

function roundedSquare(x, y, inset, radius) {
  const half = 0.5 - inset;
  const qx = Math.abs(x - 0.5) - (half - radius);
  const qy = Math.abs(y - 0.5) - (half - radius);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - radius;
}

function circle(x, y, cx, cy, r) {
  return Math.hypot(x - cx, y - cy) - r;
}

function segment(x, y, ax, ay, bx, by, halfWidth) {
  const px = x - ax;
  const py = y - ay;
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - t * dx, py - t * dy) - halfWidth;
}

const SOURCE_Y = 0.3;
const TARGET_Y = 0.7;
const COLUMNS = [0.3, 0.5, 0.7];
// the→la, green→verte, car→voiture
const LINKS = [
  [0, 0],
  [1, 2],
  [2, 1],
];

const mix = (a, b, t) => a + (b - a) * t;
const BACKGROUND_TOP = [79, 70, 229]; // indigo
const BACKGROUND_BOTTOM = [30, 27, 75];
const SOURCE = [255, 255, 255];
const TARGET = [251, 191, 36]; // amber
const LINK = [199, 210, 254];

/** Paint `colour` with coverage `alpha` over the pixel. */
function over(pixel, colour, alpha) {
  const [r, g, b, a] = pixel;
  const outA = alpha + a * (1 - alpha);
  if (outA === 0) return [0, 0, 0, 0];
  const blend = (c, p) => (c * alpha + p * a * (1 - alpha)) / outA;
  return [blend(colour[0], r), blend(colour[1], g), blend(colour[2], b), outA];
}

function render(size) {
  const pixels = Buffer.alloc(size * size * 4);
  // Coverage from a signed distance in unit-square units: a one-pixel ramp at the edge.
  const coverage = (distance) => Math.max(0, Math.min(1, 0.5 - distance * size));
  // Small icons get proportionally bolder strokes, so the mark still reads at 16 px.
  const bold = size <= 32 ? 1.5 : size <= 64 ? 1.2 : 1;
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      const x = (column + 0.5) / size;
      const y = (row + 0.5) / size;
      let pixel = [0, 0, 0, 0];
      const background = coverage(roundedSquare(x, y, 0.06, 0.19));
      if (background > 0) {
        const shade = BACKGROUND_TOP.map((c, i) => mix(c, BACKGROUND_BOTTOM[i], y));
        pixel = over(pixel, shade, background);
        let link = 0;
        for (const [from, to] of LINKS) {
          const d = segment(x, y, COLUMNS[from], SOURCE_Y, COLUMNS[to], TARGET_Y, 0.022 * bold);
          link = Math.max(link, coverage(d));
        }
        pixel = over(pixel, LINK, link * 0.9 * background);
        for (const cx of COLUMNS) {
          pixel = over(pixel, SOURCE, coverage(circle(x, y, cx, SOURCE_Y, 0.06 * bold)) * background);
          pixel = over(pixel, TARGET, coverage(circle(x, y, cx, TARGET_Y, 0.06 * bold)) * background);
        }
      }
      const offset = (row * size + column) * 4;
      pixels[offset] = Math.round(pixel[0]);
      pixels[offset + 1] = Math.round(pixel[1]);
      pixels[offset + 2] = Math.round(pixel[2]);
      pixels[offset + 3] = Math.round(pixel[3] * 255);
    }
  }
  return pixels;
}

// ---------------------------------------------------------------------------------------------------------------
// PNG

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let row = 0; row < size; row++) {
    rows[row * (size * 4 + 1)] = 0; // no filter
    rgba.copy(rows, row * (size * 4 + 1) + 1, row * size * 4, (row + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512];
mkdirSync(path.join(here, 'icons'), { recursive: true });
for (const size of LINUX_SIZES) {
  writeFileSync(path.join(here, 'icons', `${size}x${size}.png`), png(size, render(size)));
}
writeFileSync(path.join(here, 'icon.png'), png(1024, render(1024)));
console.log(`mtlab: wrote build/icon.png (1024 px) and build/icons/ (${LINUX_SIZES.join(', ')} px)`);
