import { SqliteUnavailableError } from './errors';

type NodeSqlite = typeof import('node:sqlite');

let loaded: NodeSqlite | undefined;

/**
 * Loads `node:sqlite` on first use, so that importing this package, and the files backend, work
 * on a Node.js without it (22.12 has it only behind a flag). Node 22 and 24 print an
 * ExperimentalWarning when the module loads; that one warning, and only while loading it, is
 * kept out of the user's output — every other warning passes through untouched.
 *
 * @throws {SqliteUnavailableError} when this Node.js has no `node:sqlite`.
 */
export function loadNodeSqlite(): NodeSqlite {
  if (loaded) return loaded;
  const emitWarning = process.emitWarning;
  process.emitWarning = function filteredEmitWarning(
    this: typeof process,
    warning: string | Error,
    ...rest: unknown[]
  ): void {
    const type =
      typeof rest[0] === 'string'
        ? rest[0]
        : ((rest[0] as { type?: string } | undefined)?.type ??
          (warning instanceof Error ? warning.name : undefined));
    const text = warning instanceof Error ? warning.message : String(warning);
    if (type === 'ExperimentalWarning' && /SQLite/i.test(text)) return;
    (emitWarning as (...values: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  let module: NodeSqlite | undefined;
  try {
    module = process.getBuiltinModule?.('node:sqlite') as NodeSqlite | undefined;
  } catch {
    module = undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
  if (!module?.DatabaseSync)
    throw new SqliteUnavailableError({ nodeVersion: process.versions.node });
  loaded = module;
  return module;
}
