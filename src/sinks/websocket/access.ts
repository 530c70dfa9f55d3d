import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Who may read the page, the feed and the metrics.
 *
 * - Host: a browser page on attacker.example can rebind its name to 127.0.0.1 and then send requests
 *   whose Origin and Host both say attacker.example (DNS rebinding). So the Host header must name
 *   this machine's loopback (localhost, 127.0.0.0/8, [::1]), the configured `listen` host, a host of
 *   `allowed_origins`, or, when listening on every interface, an IP address (a rebinding page always
 *   sends a DNS name, never an address).
 * - Origin: a browser always sends it on a WebSocket upgrade, and WebSockets are not bound by the
 *   same-origin policy, so without this check any web page the user visits could read the feed. The
 *   page's own origin (same host as an allowed Host) and listed origins pass.
 * - Token (when configured): `?token=` or `Authorization: Bearer`; browsers cannot set headers on a
 *   WebSocket, so the page passes the query form on.
 */
export interface AccessRules {
  readonly token?: string;
  /** Extra origins allowed besides the server's own; "*" allows any (and any Host). */
  readonly allowedOrigins: readonly string[];
  /** The host part of the `listen` option, as configured. */
  readonly listenHost: string;
}

export type RefusalReason = 'token' | 'origin' | 'host';

export type AccessDecision = { ok: true } | { ok: false; status: 401 | 403; reason: RefusalReason; message: string };

/** Checks Host, then the token, then Origin; the first failure decides. */
export function checkAccess(rules: AccessRules, request: IncomingMessage, url: URL): AccessDecision {
  const host = request.headers.host;
  if (!hostAllowed(rules, host)) {
    return { ok: false, status: 403, reason: 'host', message: `host ${JSON.stringify(host)} is not this server (see the allowed_origins option)` };
  }
  if (rules.token !== undefined && !tokenMatches(rules.token, presentedToken(request, url))) {
    return { ok: false, status: 401, reason: 'token', message: 'missing or wrong token (pass ?token=... or Authorization: Bearer ...)' };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !originAllowed(rules, origin, host)) {
    return { ok: false, status: 403, reason: 'origin', message: `origin ${origin} is not allowed (see the allowed_origins option)` };
  }
  return { ok: true };
}

/**
 * A Host header is allowed when it names loopback, the listen host, or a host of allowed_origins.
 * No Host at all only comes from hand-written HTTP/1.0 clients, never from a browser.
 */
export function hostAllowed(rules: AccessRules, host: string | undefined): boolean {
  if (host === undefined || rules.allowedOrigins.includes('*')) return true;
  const name = hostName(host);
  if (name === undefined) return false;
  if (isLoopbackHost(name)) return true;
  if (name === normalizeName(rules.listenHost)) return true;
  if (isWildcard(rules.listenHost) && isIP(name) !== 0) return true;
  return rules.allowedOrigins.some((origin) => originHostName(origin) === name);
}

/** An origin is allowed when it is listed, or is the server's own: its host equals an allowed Host. */
export function originAllowed(rules: AccessRules, origin: string, host: string | undefined): boolean {
  if (rules.allowedOrigins.includes('*') || rules.allowedOrigins.includes(origin)) return true;
  try {
    return host !== undefined && hostAllowed(rules, host) && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** localhost and the loopback ranges 127.0.0.0/8 and ::1. */
export function isLoopbackHost(name: string): boolean {
  const bare = normalizeName(name);
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

function isWildcard(host: string): boolean {
  const bare = normalizeName(host);
  return bare === '0.0.0.0' || bare === '::' || bare === '';
}

/** The host name of a Host header (`name:port`, `[v6]:port`), lower case, brackets removed. */
function hostName(host: string): string | undefined {
  try {
    return normalizeName(new URL(`http://${host}`).hostname);
  } catch {
    return undefined;
  }
}

function originHostName(origin: string): string | undefined {
  try {
    return normalizeName(new URL(origin).hostname);
  } catch {
    return undefined;
  }
}

function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  // A trailing dot names the same host ("localhost." is localhost).
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}

function presentedToken(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return url.searchParams.get('token') ?? undefined;
}

function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
