import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

/** The cookie that carries the access token after a `?token=` visit. */
export const TOKEN_COOKIE = 'karnel_dashboard';

/** The form field and header that carry the CSRF token on state-changing requests. */
export const CSRF_FIELD = '_csrf';

/** Header alternative to {@link CSRF_FIELD}. */
export const CSRF_HEADER = 'x-csrf-token';

/** A fresh random access token: 32 bytes, base64url. */
export function createDashboardToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The CSRF token bound to an access token (an HMAC of it, so it is stable for the server's life). */
export function csrfTokenFor(token: string): string {
  return createHmac('sha256', token).update('karnel-dashboard-csrf-v1').digest('base64url');
}

function same(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function refuse(c: Context, status: 401 | 403, message: string) {
  if (c.req.path.startsWith('/api/') || c.req.header('accept')?.includes('application/json'))
    return c.json({ error: message }, status);
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Karnel dashboard: ${status === 401 ? 'sign in' : 'refused'}</title></head><body><main><h1>${status === 401 ? 'Token required' : 'Request refused'}</h1><p>${message}</p></main></body></html>`,
    status,
  );
}

/**
 * Every request needs the access token: as `?token=` (which sets an HttpOnly, SameSite=Strict
 * cookie and redirects to the same address without it), as the cookie, or as
 * `Authorization: Bearer <token>`.
 */
export function requireToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const fromQuery = url.searchParams.get('token') ?? undefined;
    if (fromQuery !== undefined) {
      if (!same(fromQuery, token)) return refuse(c, 401, 'The token in the address is wrong.');
      setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      url.searchParams.delete('token');
      if (c.req.method === 'GET' || c.req.method === 'HEAD')
        return c.redirect(`${url.pathname}${url.search}`, 303);
      return next();
    }
    const bearer = c.req.header('authorization')?.match(/^Bearer (.+)$/)?.[1];
    if (same(bearer, token) || same(getCookie(c, TOKEN_COOKIE), token)) return next();
    return refuse(
      c,
      401,
      'Open the address the dashboard printed when it started (it carries the access token).',
    );
  };
}

/**
 * State-changing requests (anything but GET and HEAD) need the CSRF token, as the `_csrf`
 * form field or the `x-csrf-token` header. Pages put it in every form.
 */
export function requireCsrf(csrfToken: string): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    let sent = c.req.header(CSRF_HEADER);
    if (sent === undefined) {
      const type = c.req.header('content-type') ?? '';
      if (
        type.includes('application/x-www-form-urlencoded') ||
        type.includes('multipart/form-data')
      ) {
        const body = await c.req.parseBody();
        const field = body[CSRF_FIELD];
        sent = typeof field === 'string' ? field : undefined;
      }
    }
    if (!same(sent, csrfToken)) return refuse(c, 403, 'Missing or wrong CSRF token.');
    return next();
  };
}

/** Headers on every response: no framing, no referrer (the token may be in an address), scripts and styles only from this server. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  );
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  if (!c.res.headers.get('Cache-Control')) c.header('Cache-Control', 'no-store');
};
