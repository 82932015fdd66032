/** The built renderer (dist/renderer) served over HTTP, with the headers that keep the page to itself. */
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentSecurityPolicy, contentType } from '../app-files.js';

/** Headers on every response, whatever it is. */
export function commonHeaders(request: IncomingMessage): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(request.headers.host),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

export function sendFile(request: IncomingMessage, response: ServerResponse, file: string): void {
  const size = statSync(file).size;
  // Vite names assets by content hash, so they never change; the page itself must always be fresh.
  const hashed = /[\\/]assets[\\/]/.test(file);
  response.writeHead(200, {
    ...commonHeaders(request),
    'Content-Type': contentType(file),
    'Content-Length': String(size),
    'Cache-Control': hashed ? 'private, max-age=31536000, immutable' : 'no-cache',
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A small self-contained page (no scripts, no external styles) for refusals and missing builds. */
export function plainPage(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  title: string,
  body: string,
  extraHeaders: Record<string, string> = {},
): void {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1 style="font-size: 1.4rem">${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>
`;
  response.writeHead(status, {
    ...commonHeaders(request),
    ...extraHeaders,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(html)),
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : html);
}
