/**
 * The access token of `mtlab serve`. Whoever holds it controls the lab (starts training, reads and deletes runs,
 * reads files through import paths), so every request must carry it: page, assets, API and WebSocket alike.
 *
 * The URL printed at start-up carries it once (`/?token=...`); that first page load trades it for an HttpOnly,
 * SameSite=Strict cookie and redirects to a URL without it, so it stays out of the address bar, history and
 * Referer headers. Programs may send `Authorization: Bearer TOKEN` instead.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LabError } from '../errors.js';

/** A fresh random token: 24 bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Tokens must survive a URL, a cookie and a header unescaped. */
export function checkToken(token: string): string {
  if (!/^[A-Za-z0-9._~-]{8,256}$/.test(token)) {
    throw new LabError(
      'invalid-request',
      'the access token must be 8 to 256 characters from A-Z, a-z, 0-9 and . _ ~ - (leave it out for a random one)',
      { field: 'token' },
    );
  }
  return token;
}

/** Cookies are shared by every port of a host, so the name carries the port: two labs on one machine stay apart. */
export function cookieName(port: number): string {
  return `mtlab_token_${port}`;
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time comparison (hashing first makes the lengths equal, so the length leaks nothing either). */
export function tokensMatch(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export interface Credentials {
  /** The token as the request carried it, if it carried one at all. */
  token: string | null;
  /** Where it came from: the query string is only trusted once, to set the cookie. */
  via: 'bearer' | 'cookie' | 'query' | null;
}

/** Find the token in a request: `Authorization: Bearer`, then the cookie, then `?token=`. */
export function credentials(request: IncomingMessage, url: URL, port: number): Credentials {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return { token: bearer?.[1] ?? null, via: 'bearer' };
  }
  const cookie = cookieValue(request.headers.cookie, cookieName(port));
  if (cookie !== null) return { token: cookie, via: 'cookie' };
  const query = url.searchParams.get('token');
  if (query !== null) return { token: query, via: 'query' };
  return { token: null, via: null };
}

/**
 * Browsers send `Origin` on cross-site requests and WebSocket handshakes. The token already keeps strangers out;
 * refusing foreign origins as well means a page elsewhere cannot ride on a cookie the user's browser holds.
 */
export function originAllowed(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (host === undefined) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}
