import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createDashboard, type Dashboard, type DashboardOptions } from './create-dashboard';

/** Options of {@link serveDashboard}. */
export interface ServeDashboardOptions extends DashboardOptions {
  /** The address to listen on. Default `127.0.0.1` (this machine only). */
  readonly host?: string;
  /** The port. Default 4780; 0 picks a free one. */
  readonly port?: number;
  /** Where warnings go (listening beyond loopback). Default: `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** A running dashboard server. */
export interface ServedDashboard {
  /** The dashboard (its app and tokens). */
  readonly dashboard: Dashboard;
  /** The address to open, with the token: `http://127.0.0.1:4780/?token=…`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening (open event streams are closed). */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves the dashboard over HTTP with `@hono/node-server`. It binds `127.0.0.1` by default.
 * Another host (`0.0.0.0`) is allowed with a warning, and only with a token you configure
 * yourself (at least 32 characters), since anyone who can reach the port can try it.
 */
export async function serveDashboard(options: ServeDashboardOptions): Promise<ServedDashboard> {
  const {
    host = '127.0.0.1',
    port = 4780,
    warn = (message: string) => console.warn(message),
  } = options;
  if (!LOOPBACK.has(host)) {
    if (!options.token || options.token.length < 32)
      throw new RangeError(
        `listening on ${host} makes the dashboard reachable from other machines: configure a token of at least 32 characters (--token or KARNEL_DASHBOARD_TOKEN)`,
      );
    warn(
      `warning: the dashboard listens on ${host}, reachable from other machines; every request needs the token, and traffic is not encrypted (put it behind TLS)`,
    );
  }
  const dashboard = await createDashboard(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolvePromise, reject) => {
    const started = serve({ fetch: dashboard.app.fetch, hostname: host, port }, () =>
      resolvePromise(started),
    );
    started.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    dashboard,
    url: `http://${shownHost}:${address.port}/?token=${encodeURIComponent(dashboard.token)}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolvePromise, reject) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolvePromise()));
      }),
  };
}
