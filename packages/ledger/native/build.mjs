// Builds the optional verification accelerator (native/verify-accelerator.cc) with node-gyp.
//
// The ledger works without it: verification then runs the portable TypeScript path, which
// gives the same reports, more slowly. So a machine without a C++ toolchain gets a warning,
// never a failed install. `KARNEL_LEDGER_NATIVE=0` skips the build; `KARNEL_LEDGER_NATIVE=require`
// turns a failed build into an error (CI uses it, so a broken accelerator cannot go unnoticed).
//
// Headers come from the running Node's own installation when it has them (the `node` npm
// package and official tarballs do), or from `npm_config_nodedir`; node-gyp is never left to
// download them.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const output = join(packageDir, 'build', 'Release', 'verify_accelerator.node');
const sources = [
  join(packageDir, 'native', 'verify-accelerator.cc'),
  join(packageDir, 'binding.gyp'),
];
const mode = process.env.KARNEL_LEDGER_NATIVE;

function give(message) {
  if (mode === 'require') {
    console.error(`@karnel/ledger: ${message}`);
    process.exit(1);
  }
  console.warn(`@karnel/ledger: ${message}; verification will use the portable path`);
  process.exit(0);
}

if (mode === '0') process.exit(0);

if (existsSync(output)) {
  const built = statSync(output).mtimeMs;
  if (sources.every((source) => statSync(source).mtimeMs <= built)) process.exit(0);
}

const require = createRequire(import.meta.url);
// node-gyp from this package's dev dependencies in the workspace; when installed from the
// registry, the one the package manager bundles (npm and pnpm name it in npm_config_node_gyp).
let gyp = process.env.npm_config_node_gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  if (!gyp) give('node-gyp is not installed, so the verification accelerator was not built');
}

const args = [gyp, 'rebuild'];
const nodeDir =
  process.env.npm_config_nodedir ??
  [dirname(dirname(process.execPath))].find((dir) =>
    existsSync(join(dir, 'include', 'node', 'node_api.h')),
  );
if (nodeDir) args.push(`--nodedir=${nodeDir}`);
else if (!existsSync(join(process.env.HOME ?? '', '.cache', 'node-gyp', process.versions.node))) {
  give(`no Node.js headers found for ${process.version} (set npm_config_nodedir)`);
}

const result = spawnSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' });
if (result.status !== 0) {
  const log = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
  give(`building the verification accelerator failed:\n${log}\n`);
}
