/**
 * The `app://mtlab/` protocol that serves the built renderer (dist/renderer) to the window.
 *
 * Why not file://: a file:// page shares its origin with every file on the disk, so a sender check cannot tell the
 * app from any other local page, and relative requests can wander out of dist/renderer. Here the page has one origin
 * of its own (the IPC sender check compares against it), only files inside dist/renderer are served, and every
 * response carries the same strict Content-Security-Policy that `mtlab serve` sends (engine/app-files.ts), minus
 * the WebSocket the desktop app does not need.
 */
import { readFile } from 'node:fs/promises';
import { contentSecurityPolicy, contentType, resolveStaticFile } from '../engine/app-files.js';
import { APP_HOST, APP_SCHEME } from './app-origin.js';

/** The scheme's privileges (registered before the app is ready): a standard, secure origin for ES modules. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
};

/** The policy of every page and file the app serves: its own scripts, styles and images only; no connections out. */
export const APP_CONTENT_SECURITY_POLICY = contentSecurityPolicy(undefined);

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': APP_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function textResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/** Answer one `app://` request from the files in `rendererDir`. */
export async function serveAppRequest(request: Request, rendererDir: string): Promise<Response> {
  const url = new URL(request.url);
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return textResponse(404, 'Not found');
  if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method not allowed');
  const file = resolveStaticFile(rendererDir, url.pathname);
  if (file === null) {
    return url.pathname === '/' || url.pathname === '/index.html'
      ? textResponse(503, `The app is not built: there is no ${rendererDir}/index.html. Run \`npm run build\`.`)
      : textResponse(404, `Nothing is served at ${url.pathname}`);
  }
  const body = request.method === 'HEAD' ? null : await readFile(file);
  return new Response(body, {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'Content-Type': contentType(file), 'Cache-Control': 'no-cache' },
  });
}
