import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Who may read the feed and the metrics. A token (when configured) must come as `?token=` or as an
 * `Authorization: Bearer` header; browsers cannot set headers on a WebSocket, so the page passes the
 * query form on. A browser always sends Origin on a WebSocket upgrade, and WebSockets are not bound
 * by the same-origin policy, so without this check any web page the user visits could read the feed.
 */
export interface AccessRules {
  readonly token?: string;
  /** Extra origins allowed besides the server's own; "*" allows any. */
  readonly allowedOrigins: readonly string[];
}

export type AccessDecision = { ok: true } | { ok: false; status: 401 | 403; reason: 'token' | 'origin'; message: string };

export function checkAccess(rules: AccessRules, request: IncomingMessage, url: URL): AccessDecision {
  if (rules.token !== undefined && !tokenMatches(rules.token, presentedToken(request, url))) {
    return { ok: false, status: 401, reason: 'token', message: 'missing or wrong token (pass ?token=... or Authorization: Bearer ...)' };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !originAllowed(rules, origin, request.headers.host)) {
    return { ok: false, status: 403, reason: 'origin', message: `origin ${origin} is not allowed (see the allowed_origins option)` };
  }
  return { ok: true };
}

/** An origin is allowed when it is the server's own (same host:port) or listed. */
export function originAllowed(rules: AccessRules, origin: string, host: string | undefined): boolean {
  if (rules.allowedOrigins.includes('*') || rules.allowedOrigins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
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
