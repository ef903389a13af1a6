// What an install cost: disk usage of node_modules, how many packages it holds, and which of
// them carry an install script (npm and pnpm both run `preinstall`, `install` and `postinstall`,
// and treat a `binding.gyp` without an install script as `node-gyp rebuild`).
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Disk usage of a folder in mebibytes, as `du` reports it (hard links counted once).
 * @param {string} folder
 */
export function diskUsageMegabytes(folder) {
  const kibibytes = Number(
    execFileSync('du', ['-sk', folder], { encoding: 'utf8' }).split('\t')[0],
  );
  return kibibytes / 1024;
}

/**
 * Every installed package under a node_modules folder, by real path (pnpm's symlinks and npm's
 * nested folders alike), with its name and whether it has an install script.
 * @param {string} nodeModules
 * @returns {{ name: string, version: string, installScript: boolean }[]}
 */
export function installedPackages(nodeModules) {
  const seen = new Map();
  const visitNodeModules = (folder) => {
    if (!existsSync(folder)) return;
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (entry === '.bin') continue;
      if (entry === '.pnpm') {
        for (const store of readdirSync(path)) {
          const inner = join(path, store, 'node_modules');
          if (existsSync(inner)) visitNodeModules(inner);
        }
        continue;
      }
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(path)) visitPackage(join(path, scoped));
        continue;
      }
      visitPackage(path);
    }
  };
  const visitPackage = (path) => {
    if (lstatSync(path).isSymbolicLink()) return;
    const manifestPath = join(path, 'package.json');
    if (!existsSync(manifestPath)) return;
    const real = realpathSync(path);
    if (seen.has(real)) return;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const scripts = manifest.scripts ?? {};
    const installScript =
      Boolean(scripts.preinstall || scripts.install || scripts.postinstall) ||
      existsSync(join(path, 'binding.gyp'));
    seen.set(real, { name: manifest.name, version: manifest.version, installScript });
    visitNodeModules(join(path, 'node_modules'));
  };
  visitNodeModules(nodeModules);
  return [...seen.values()];
}
