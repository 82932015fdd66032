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

/** An own header only (`request.headers` is a plain object: never trust what it might inherit). */
function header(request: IncomingMessage, name: string): string | undefined {
  const value = Object.hasOwn(request.headers, name) ? request.headers[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Find the token in a request. `pageLoad` is true for a GET of a page: only then is `?token=` accepted (it is the
 * printed URL being opened; the answer trades it for the cookie), and it wins over an older cookie, which may hold
 * the token of an earlier server on this port. Otherwise: `Authorization: Bearer`, then the cookie. A token in the
 * query of an API call or a WebSocket is reported as `via: 'query'` with `token: null`: refused.
 */
export function credentials(request: IncomingMessage, url: URL, port: number, pageLoad = false): Credentials {
  const query = url.searchParams.get('token');
  if (query !== null && pageLoad) return { token: query, via: 'query' };
  const authorization = header(request, 'authorization');
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return { token: bearer?.[1] ?? null, via: 'bearer' };
  }
  const cookie = cookieValue(header(request, 'cookie'), cookieName(port));
  if (cookie !== null) return { token: cookie, via: 'cookie' };
  if (query !== null) return { token: null, via: 'query' };
  return { token: null, via: null };
}

/** The host name of a `Host` header, without its port, lower-cased (`[::1]` keeps its brackets). */
export function hostName(hostHeader: string): string {
  const trimmed = hostHeader.trim().toLowerCase();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    return end < 0 ? trimmed : trimmed.slice(0, end + 1);
  }
  const colon = trimmed.lastIndexOf(':');
  return colon < 0 ? trimmed : trimmed.slice(0, colon);
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isIpLiteral = (name: string): boolean => IPV4.test(name) || /^\[[0-9a-f:.]+\]$/.test(name);
const isLoopbackName = (name: string): boolean =>
  name === 'localhost' || name === '[::1]' || (IPV4.test(name) && name.startsWith('127.'));
const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';

/**
 * Which `Host` headers the server answers (DNS rebinding: a page on evil.example whose name is made to resolve to
 * this machine sends `Host: evil.example`; the token is then the only defence). Allowed: the address it listens on,
 * `localhost` and the loopback addresses (SSH tunnels arrive as localhost:PORT), `allowed` names (`--allow-host`);
 * listening on every interface (0.0.0.0, ::) also allows any IP address and this machine's host name. An IP address
 * cannot be rebound, so none of this stands in the way of a LAN client typing the machine's address.
 */
export function hostChecker(
  listenHost: string,
  allowed: readonly string[],
  machineName: string,
): (host: string | undefined) => boolean {
  const names = new Set(
    [...allowed, listenHost].map((name) => hostName(name.includes(':') && !name.startsWith('[') ? `[${name}]` : name)),
  );
  const wildcard = isWildcard(listenHost);
  if (wildcard) names.add(machineName.toLowerCase());
  return (host) => {
    if (host === undefined) return false;
    const name = hostName(host);
    return names.has(name) || isLoopbackName(name) || (wildcard && isIpLiteral(name));
  };
}

/**
 * Browsers send `Origin` on cross-site requests and WebSocket handshakes. The token already keeps strangers out;
 * refusing foreign origins as well means a page elsewhere cannot ride on a cookie the user's browser holds.
 */
export function originAllowed(request: IncomingMessage): boolean {
  const origin = header(request, 'origin');
  if (origin === undefined) return true;
  const host = header(request, 'host');
  if (host === undefined) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}
