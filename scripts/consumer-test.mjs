// The consumer test (`pnpm test:consumer`): every publishable package as an adopter meets it.
//
// 1. `pnpm pack` each package (pnpm rewrites `workspace:` ranges), then run `publint` and
//    `@arethetypeswrong/cli` on every tarball.
// 2. For each package and each manager (npm, pnpm), in a fresh scratch app under the system's
//    temporary folder (outside the workspace): install what the README's `## Install` section
//    lists, at the manager's default settings, our own packages coming from their tarballs. An
//    install script anywhere fails pnpm 12 (ERR_PNPM_IGNORED_BUILDS), and that failure counts.
// 3. Under every Node.js runtime given (`--node <path>`, repeatable; default: this one): import
//    every entry point with `import()` and with `require()` (stderr must stay empty: no
//    ExperimentalWarning reaches users), run each `bin` with `--version`, and run the README's
//    example — the first `ts`, `js` or `sh` block after `## Example` — as it is. The example may
//    only import packages the Install section lists. The scratch app holds a copy of the
//    repository's `examples/` folder, which some README examples name.
// 4. Type-check a consumer of every entry point with `tsc --strict` without `skipLibCheck`, under
//    `nodenext` (ESM and CommonJS files) and `bundler` resolution.
// 5. Print each install's size and package count with the goals below, then one table, then the
//    output of every failed step. Exit 1 on any failure; the size goals are reported as
//    PASS/FAIL and fail the run only when SIZE_GOALS_FAIL_THE_RUN is true.
//
// Options: --node <path> (repeatable), --only <name,…>, --managers npm,pnpm, --jobs <n>, --keep.
// The packages must be built first; `pnpm test:consumer` builds them.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  entryPointsToCheck,
  importEveryEntry,
  requireEveryEntry,
  runEveryCommand,
  runExample,
  typeCheck,
} from './consumer/checks.mjs';
import { installInto } from './consumer/install.mjs';
import { diskUsageMegabytes, installedPackages } from './consumer/measure.mjs';
import { importedPackages, installedByReadme, runnableExample } from './consumer/readme.mjs';
import { run, tail } from './consumer/run.mjs';

/**
 * Install-size goals (issue 12), checked for every manager. `maxMegabytes` is `du` of the scratch
 * app's node_modules after installing what the package's README says to install.
 */
const SIZE_GOALS = [
  { name: '@karnel/ledger', maxMegabytes: 15, noInstallScript: true },
  { name: '@karnel/manifest', maxMegabytes: 15, noInstallScript: true },
  { name: '@karnel/memory', maxMegabytes: 20, note: 'files + SQLite backends' },
  { name: 'karnel', maxMegabytes: 30, note: 'the CLI, for `karnel validate`' },
];
/** The goals are met (ledger 12 MB, manifest 12 MB, memory 13 MB, CLI 21 MB with npm), so a regression fails the run. */
const SIZE_GOALS_FAIL_THE_RUN = true;

// An adopter's shell: none of the variables a package manager sets for a script it runs
// (`npm_config_*`, `npm_package_*`, …), none of the repository's own switches (`KARNEL_*`).
for (const key of Object.keys(process.env)) {
  if (/^(npm_|pnpm_|KARNEL_)/i.test(key)) delete process.env[key];
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: options } = parseArgs({
  options: {
    node: { type: 'string', multiple: true },
    only: { type: 'string' },
    managers: { type: 'string', default: 'npm,pnpm' },
    jobs: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});
const runtimes = (options.node ?? [process.execPath]).map((node) => resolve(node));
const managers = options.managers.split(',');
const only = options.only?.split(',');
const tools = {
  tsc: join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  typeRoots: join(root, 'node_modules', '@types'),
};
const started = performance.now();
const failures = [];
const fail = (label, result) => failures.push({ label, output: tail(result) });
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

// --- the runtimes ------------------------------------------------------------------------
const runtimeInfo = [];
for (const node of runtimes) {
  const probe = await run(node, [
    '-p',
    'process.version + " " + (process.features.typescript ?? "")',
  ]);
  if (!probe.ok) throw new Error(`cannot run ${node}: ${tail(probe)}`);
  const [version, typescript] = probe.stdout.trim().split(' ');
  runtimeInfo.push({ node, version, stripsTypesByDefault: typescript === 'strip' });
}
console.log(`consumer test: Node.js ${runtimeInfo.map((info) => info.version).join(', ')}`);

// --- 1. pack, publint, attw --------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'karnel-consumer-'));
const tarballs = new Map();
const manifests = new Map();
const tarballRows = [];
for (const folder of readdirSync(join(root, 'packages')).sort()) {
  const packageDir = join(root, 'packages', folder);
  if (!existsSync(join(packageDir, 'package.json'))) continue;
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  if (!existsSync(join(packageDir, 'dist'))) {
    throw new Error(`${manifest.name} is not built; run \`pnpm build\` first`);
  }
  const destination = join(work, 'tarballs', folder);
  mkdirSync(destination, { recursive: true });
  const packed = await run('pnpm', ['pack', '--pack-destination', destination], {
    cwd: packageDir,
  });
  if (!packed.ok) throw new Error(`pnpm pack failed for ${manifest.name}:\n${tail(packed)}`);
  const tarball = join(destination, readdirSync(destination)[0]);
  tarballs.set(manifest.name, tarball);
  manifests.set(manifest.name, manifest);
}
console.log(`packed ${tarballs.size} packages (${seconds(performance.now() - started)})`);
const selected = [...manifests.keys()].filter((name) => !only || only.includes(name));
/** publint and attw on every tarball; runs beside the installs. */
async function checkTarballs() {
  for (const name of selected) {
    const tarball = tarballs.get(name);
    const publint = await run(join(root, 'node_modules', '.bin', 'publint'), [
      'run',
      tarball,
      '--strict',
    ]);
    if (!publint.ok) fail(`${name}: publint`, publint);
    // `node16` covers Node's own resolution (ESM and CommonJS) and bundlers; the `node10` profile
    // (TypeScript's legacy `moduleResolution: node`) cannot see subpath exports at all.
    const attw = await run(join(root, 'node_modules', '.bin', 'attw'), [
      tarball,
      '--profile',
      'node16',
      '--format',
      'table-flipped',
    ]);
    if (!attw.ok) fail(`${name}: attw`, attw);
    const kilobytes = Math.round(Number(readFileSync(tarball).length) / 1024);
    tarballRows.push({ name, kilobytes, publint: publint.ok, attw: attw.ok });
    console.log(
      `${name}: tarball ${kilobytes} kB, publint ${mark(publint.ok)} (${seconds(publint.ms)}), attw ${mark(attw.ok)} (${seconds(attw.ms)})`,
    );
  }
}

// --- 2-4. per package and manager --------------------------------------------------------
const examplesCopy = join(work, 'examples');
cpSync(join(root, 'examples'), examplesCopy, {
  recursive: true,
  filter: (source) => !source.includes('node_modules'),
});

const jobs = selected.flatMap((name) => managers.map((manager) => ({ name, manager })));
const rows = [];
let next = 0;
await Promise.all([
  checkTarballs(),
  ...Array.from({ length: Number(options.jobs) }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      rows.push(await consume(job.name, job.manager));
    }
  }),
]);

/**
 * Installs one package with one manager in a scratch app and runs every check there.
 * @param {string} name
 * @param {'npm' | 'pnpm'} manager
 */
async function consume(name, manager) {
  const label = `${name} [${manager}]`;
  const row = { name, manager, checks: {} };
  const app = mkdtempSync(join(tmpdir(), `karnel-app-${manager}-`));
  try {
    const readme = readFileSync(join(root, 'packages', folderOf(name), 'README.md'), 'utf8');
    let names = installedByReadme(readme);
    if (!names) {
      fail(`${label}: README`, { stdout: '', stderr: 'README has no "## Install" npm line' });
      names = [name];
    } else if (!names.includes(name)) {
      fail(`${label}: README`, { stdout: '', stderr: `Install section does not list ${name}` });
      names = [name, ...names];
    }
    const install = await installInto(manager, app, names, tarballs);
    row.install = install.ok;
    row.installSeconds = install.ms / 1000;
    if (existsSync(join(app, 'node_modules'))) {
      // Measured even after a failed install: the size tells how far it got.
      const installed = installedPackages(join(app, 'node_modules'));
      row.megabytes = diskUsageMegabytes(join(app, 'node_modules'));
      row.packages = installed.length;
      row.installScripts = installed
        .filter((entry) => entry.installScript)
        .map((entry) => entry.name);
    }
    const goal = SIZE_GOALS.find((candidate) => candidate.name === name);
    if (goal) {
      row.goal = goal;
      row.goalMet =
        install.ok &&
        row.megabytes <= goal.maxMegabytes &&
        (!goal.noInstallScript || row.installScripts.length === 0);
      if (!row.goalMet && SIZE_GOALS_FAIL_THE_RUN) {
        fail(`${label}: size goal`, {
          stdout: '',
          stderr: `${row.megabytes?.toFixed(1) ?? '-'} MB`,
        });
      }
    }
    if (!install.ok) {
      fail(`${label}: ${manager} install`, install);
      console.log(`${label}: install FAILED (${seconds(install.ms)})`);
      return row;
    }
    console.log(`${label}: installed (${seconds(install.ms)})`);

    const packageFolder = join(app, 'node_modules', ...name.split('/'));
    const manifest = JSON.parse(readFileSync(join(packageFolder, 'package.json'), 'utf8'));
    const { check: specifiers, skipped } = entryPointsToCheck(manifest, packageFolder, app);
    for (const { specifier, peers } of skipped) {
      console.log(
        `${label}: ${specifier} not loaded: it needs the optional peer ${peers.join(', ')}`,
      );
    }
    const installedReadme = readFileSync(join(packageFolder, 'README.md'), 'utf8');
    const example = runnableExample(installedReadme);
    if (example && example.language !== 'sh') {
      const missing = importedPackages(example.code).filter((entry) => !names.includes(entry));
      if (missing.length > 0) {
        row.checks.imports = false;
        fail(`${label}: README example`, {
          stdout: '',
          stderr: `the example imports ${missing.join(', ')}, which the Install section does not list`,
        });
      }
    }
    for (const info of runtimeInfo) {
      const at = `${label} on Node ${info.version}`;
      const imported = await importEveryEntry(app, info.node, specifiers);
      record(row, `esm ${info.version}`, imported, `${at}: import()`);
      const required = await requireEveryEntry(app, info.node, specifiers);
      record(row, `cjs ${info.version}`, required, `${at}: require()`);
      if (manifest.bin) {
        const bins = typeof manifest.bin === 'string' ? { [name]: manifest.bin } : manifest.bin;
        const commands = await runEveryCommand(app, info.node, packageFolder, bins);
        record(row, `bin ${info.version}`, commands ?? { ok: true }, `${at}: bin --version`);
      }
      if (example) {
        const ran = await runExample(
          app,
          join(app, `example-${info.version}`),
          examplesCopy,
          info.node,
          example,
          info.stripsTypesByDefault,
        );
        record(row, `example ${info.version}`, ran, `${at}: README example`);
      } else {
        record(
          row,
          `example ${info.version}`,
          { ok: false, stdout: '', stderr: 'README has no "## Example" ts/js/sh block' },
          `${at}: README example`,
        );
      }
    }
    for (const resolution of ['nodenext', 'bundler']) {
      const checked = await typeCheck(app, resolution, specifiers, tools);
      record(row, `tsc ${resolution}`, checked, `${label}: tsc --strict (${resolution})`);
    }
  } catch (error) {
    fail(`${label}: consumer test`, { stdout: '', stderr: String(error?.stack ?? error) });
    row.crashed = true;
  } finally {
    if (!options.keep) rmSync(app, { recursive: true, force: true });
    else console.log(`${label}: kept ${app}`);
  }
  console.log(`${label}: done (${summary(row)})`);
  return row;
}

function record(row, column, result, label) {
  row.checks[column] = result.ok;
  if (result.ms !== undefined) console.log(`${label}: ${mark(result.ok)} (${seconds(result.ms)})`);
  if (!result.ok) fail(label, result);
}

function folderOf(name) {
  return name.startsWith('@karnel/') ? name.slice('@karnel/'.length) : name;
}

function mark(ok) {
  if (ok === undefined) return '-';
  return ok ? 'ok' : 'FAIL';
}

function summary(row) {
  if (!row.install) return 'install failed';
  const failed = Object.entries(row.checks).filter(([, ok]) => !ok);
  return failed.length === 0 ? 'all ok' : `failed: ${failed.map(([column]) => column).join(', ')}`;
}

// --- 5. the report -----------------------------------------------------------------------
if (!options.keep) rmSync(work, { recursive: true, force: true });
rows.sort((a, b) => a.name.localeCompare(b.name) || a.manager.localeCompare(b.manager));
const checkColumns = [...new Set(rows.flatMap((row) => Object.keys(row.checks)))].filter(
  (column) => column !== 'imports',
);
const header = [
  'package',
  'manager',
  'install',
  'size MB',
  'pkgs',
  'install scripts',
  'size goal',
  ...checkColumns,
];
const table = rows.map((row) => [
  row.name,
  row.manager,
  row.install ? `ok ${seconds(row.installSeconds * 1000)}` : 'FAIL',
  row.megabytes === undefined ? '-' : row.megabytes.toFixed(1),
  row.packages === undefined ? '-' : String(row.packages),
  row.installScripts === undefined ? '-' : row.installScripts.join(' ') || 'none',
  row.goal
    ? `${row.goalMet ? 'PASS' : 'FAIL'} (<${row.goal.maxMegabytes}${row.goal.noInstallScript ? ', no script' : ''})`
    : '',
  ...checkColumns.map((column) => mark(row.checks[column])),
]);
tarballRows.sort((a, b) => a.name.localeCompare(b.name));
printTable(
  ['package', 'tarball kB', 'publint', 'attw'],
  tarballRows.map((row) => [row.name, String(row.kilobytes), mark(row.publint), mark(row.attw)]),
);
printTable(header, table);

if (failures.length > 0) {
  console.log(`\n${failures.length} failed step(s):`);
  for (const failure of failures) {
    console.log(`\n--- ${failure.label}\n${failure.output}`);
  }
}
const goalsMissed = rows.filter((row) => row.goal && !row.goalMet);
console.log(
  `\nconsumer test: ${rows.length} installs, ${failures.length} failure(s), size goals ${
    goalsMissed.length === 0
      ? 'all met'
      : `missed by ${goalsMissed.map((row) => `${row.name} [${row.manager}]`).join(', ')}${SIZE_GOALS_FAIL_THE_RUN ? '' : ' (soft)'}`
  }, ${seconds(performance.now() - started)}`,
);
process.exitCode = failures.length > 0 ? 1 : 0;

function printTable(columns, data) {
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...data.map((line) => line[index].length)),
  );
  const format = (line) =>
    `| ${line.map((cell, index) => cell.padEnd(widths[index])).join(' | ')} |`;
  console.log(`\n${format(columns)}`);
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of data) console.log(format(line));
}
