import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { DASHBOARD_CSS } from './styles';

/** A static file the dashboard serves from its own package (never from a CDN). */
export interface Asset {
  /** The body. */
  readonly body: string;
  /** Its content type. */
  readonly type: string;
}

const require = createRequire(import.meta.url);

const BEHAVIOUR = `// Karnel dashboard: small progressive enhancements; every page works without this file.
document.addEventListener('htmx:sseMessage', function () {
  var live = document.getElementById('live-status');
  if (live) live.textContent = 'Live: updated ' + new Date().toLocaleTimeString();
});
`;

let cached: Map<string, Asset> | undefined;

/**
 * The dashboard's assets by path: htmx and its SSE extension (from their npm packages,
 * resolved next to this package), the stylesheet and a small behaviour script.
 */
export async function loadAssets(): Promise<Map<string, Asset>> {
  if (cached) return cached;
  const [htmx, sse] = await Promise.all([
    readFile(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8'),
    readFile(require.resolve('htmx-ext-sse/dist/sse.min.js'), 'utf8'),
  ]);
  const javascript = 'text/javascript; charset=utf-8';
  cached = new Map([
    ['/assets/htmx.min.js', { body: htmx, type: javascript }],
    ['/assets/sse.min.js', { body: sse, type: javascript }],
    ['/assets/dashboard.js', { body: BEHAVIOUR, type: javascript }],
    ['/assets/dashboard.css', { body: DASHBOARD_CSS, type: 'text/css; charset=utf-8' }],
  ]);
  return cached;
}
