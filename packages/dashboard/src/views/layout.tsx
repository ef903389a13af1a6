import type { Child } from 'hono/jsx';
import type { SectionProblem } from '../group-reader';

/** The screens, in navigation order: path and label. */
export const SCREENS = [
  ['/', 'What needs me'],
  ['/org', 'Org chart'],
  ['/goals', 'Goals'],
  ['/approvals', 'Approvals'],
  ['/runs', 'Runs'],
  ['/ledger', 'Ledger'],
  ['/budgets', 'Budgets'],
  ['/memory', 'Memory and skills'],
] as const;

/** What every page gets besides its content. */
export interface LayoutProps {
  /** The page title (also its `<h1>`). */
  readonly title: string;
  /** The group's name. */
  readonly group: string;
  /** The navigation path this page belongs to. */
  readonly current: string;
  /** Whether safe mode is on, for the header badge. */
  readonly safeMode?: boolean;
  /** A message from the last action. */
  readonly flash?: { readonly ok: boolean; readonly message: string };
  /** The page. */
  readonly children?: Child;
}

/** The page shell: skip link, header with navigation, a main landmark with one `<h1>`. */
export function Layout({ title, group, current, safeMode, flash, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' />
        <title>{`${title} · ${group} · Karnel`}</title>
        <link rel="stylesheet" href="/assets/dashboard.css" />
        <script src="/assets/htmx.min.js" defer></script>
        <script src="/assets/sse.min.js" defer></script>
        <script src="/assets/dashboard.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <p class="name">{group}</p>
          <nav class="main" aria-label="Screens">
            <ul>
              {SCREENS.map(([path, label]) => (
                <li>
                  <a href={path} aria-current={path === current ? 'page' : undefined}>
                    {label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {safeMode === undefined ? null : (
            <span class={`badge ${safeMode ? 'bad' : 'ok'}`}>
              {safeMode ? 'Safe mode on' : 'Safe mode off'}
            </span>
          )}
        </header>
        <main id="main" tabindex={-1}>
          <h1>{title}</h1>
          {flash ? (
            <p class={`flash ${flash.ok ? 'ok' : 'bad'}`} role="status">
              {flash.message}
            </p>
          ) : null}
          {children}
        </main>
      </body>
    </html>
  );
}

/** A section that could not be read, shown where its content would be. */
export function Problem({ problem }: { problem: SectionProblem }) {
  return (
    <p class="problem" role="alert">
      {`Could not read ${problem.what}: ${problem.message}`}
    </p>
  );
}

/** A small status badge. */
export function Badge({ tone, children }: { tone?: 'ok' | 'warn' | 'bad'; children?: Child }) {
  return <span class={`badge${tone ? ` ${tone}` : ''}`}>{children}</span>;
}

/** A progress bar with its figure as text, labelled for assistive technology. */
export function Progress({
  fraction,
  tone,
  label,
}: {
  fraction: number;
  tone?: 'warn' | 'bad';
  label: string;
}) {
  const percent = Math.max(0, Math.min(100, Math.round(fraction * 100)));
  return (
    <span class="row">
      <progress class={tone ?? ''} max={100} value={percent} aria-label={label}>
        {`${percent}%`}
      </progress>
      <span>{`${percent}%`}</span>
    </span>
  );
}

/** The hidden CSRF field every form carries. */
export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/** A horizontally scrollable table container, focusable so keyboard users can scroll it. */
export function TableWrap({ label, children }: { label: string; children?: Child }) {
  return (
    <section class="table-wrap" aria-label={label} tabindex={0}>
      {children}
    </section>
  );
}
