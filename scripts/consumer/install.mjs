// Installs packages into a scratch app the way an adopter would: `npm install <names>` or
// `pnpm add <names>`, at default settings (no flag that allows or skips install scripts). Our own
// packages are not on the registry, so each `@karnel/*` name resolves to its packed tarball: the
// names the README lists are passed as tarball paths, and the others are pinned to their tarballs
// by the manager's own override mechanism (npm `overrides` in package.json, pnpm `overrides` in
// pnpm-workspace.yaml), so they arrive only if something depends on them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run.mjs';

/**
 * @param {'npm' | 'pnpm'} manager
 * @param {string} app the scratch app folder (empty)
 * @param {string[]} names what the README's Install section lists
 * @param {Map<string, string>} tarballs every publishable package name → its tarball path
 */
export async function installInto(manager, app, names, tarballs) {
  const direct = names.map((name) => tarballs.get(name) ?? name);
  // npm refuses an override of a direct dependency with another spec (EOVERRIDE), and its direct
  // dependencies satisfy the transitive ones; pnpm resolves a dependency's `@karnel/core@^0.1.0`
  // on its own, so there every one of our packages is overridden.
  const overrides = Object.fromEntries(
    [...tarballs]
      .filter(([name]) => manager === 'pnpm' || !names.includes(name))
      .map(([name, tarball]) => [name, `file:${tarball}`]),
  );
  const manifest = { name: 'karnel-consumer', version: '0.0.0', private: true };
  if (manager === 'npm') {
    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify({ ...manifest, overrides }, null, 2)}\n`,
    );
    return run('npm', ['install', '--no-audit', '--no-fund', ...direct], { cwd: app });
  }
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const yaml = Object.entries(overrides)
    .map(([name, spec]) => `  ${JSON.stringify(name)}: ${JSON.stringify(spec)}\n`)
    .join('');
  writeFileSync(join(app, 'pnpm-workspace.yaml'), `overrides:\n${yaml}`);
  return run('pnpm', ['add', ...direct], { cwd: app });
}
