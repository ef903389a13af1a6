// The checks the consumer test runs inside one scratch app after the install: importing every
// entry point (ESM and CommonJS) with nothing printed, the package's commands, its README example,
// and a strict type-check of a consumer file under `nodenext` and `bundler` resolution.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from './run.mjs';

/**
 * The JavaScript entry points a package's `exports` map offers, as import specifiers
 * (`@karnel/memory`, `@karnel/memory/testing`, …); wildcards and non-code files are left out.
 * @param {{ name: string, exports?: Record<string, unknown>, main?: string }} manifest
 * @returns {string[]}
 */
export function entryPoints(manifest) {
  if (!manifest.exports) return [manifest.name];
  const isCode = (target) => {
    if (typeof target === 'string') return /\.(c|m)?js$/.test(target);
    if (target && typeof target === 'object') return Object.values(target).some(isCode);
    return false;
  };
  return Object.entries(manifest.exports)
    .filter(([subpath, target]) => !subpath.includes('*') && isCode(target))
    .map(([subpath]) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`));
}

/** The ESM file an `exports` target names (`import` → `default`, or a plain string). */
function esmTarget(target) {
  if (typeof target === 'string') return target;
  if (target && typeof target === 'object') {
    const record = /** @type {Record<string, unknown>} */ (target);
    return esmTarget(record.import ?? record.default);
  }
  return undefined;
}

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`). */
function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Splits a package's entry points into those to check and those that need an optional peer
 * dependency the scratch app does not have (`@karnel/memory/lancedb` without LanceDB): an
 * entry whose built code imports, statically, directly or through its chunks, an optional peer
 * that is not installed is left out of the import, require and type checks — an adopter only
 * reaches it after installing that peer, as the README says.
 * @param {{ name: string, exports?: Record<string, unknown>, peerDependenciesMeta?: Record<string, { optional?: boolean }> }} manifest
 * @param {string} packageFolder the installed package's folder
 * @param {string} app the scratch app
 * @returns {{ check: string[], skipped: { specifier: string, peers: string[] }[] }}
 */
export function entryPointsToCheck(manifest, packageFolder, app) {
  const optional = new Set(
    Object.entries(manifest.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta?.optional)
      .map(([peer]) => peer),
  );
  const missing = [...optional].filter(
    (peer) => !existsSync(join(app, 'node_modules', ...peer.split('/'), 'package.json')),
  );
  const check = [];
  const skipped = [];
  for (const specifier of entryPoints(manifest)) {
    const subpath =
      specifier === manifest.name ? '.' : `./${specifier.slice(manifest.name.length + 1)}`;
    const file = esmTarget(manifest.exports?.[subpath]);
    const needs = file
      ? bareImports(join(packageFolder, file)).filter((name) => missing.includes(name))
      : [];
    if (needs.length > 0) skipped.push({ specifier, peers: needs });
    else check.push(specifier);
  }
  return { check, skipped };
}

/** The packages a built ESM file imports statically, following its relative imports. */
function bareImports(file, seen = new Set()) {
  if (seen.has(file) || !existsSync(file)) return [];
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  const names = new Set();
  for (const match of code.matchAll(
    /(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]/g,
  )) {
    const specifier = match[1] ?? match[2];
    if (specifier.startsWith('.')) {
      for (const name of bareImports(join(dirname(file), specifier), seen)) names.add(name);
    } else if (!specifier.startsWith('node:')) {
      names.add(packageNameOf(specifier));
    }
  }
  return [...names];
}

/**
 * A program's output must stay clean: warnings (ExperimentalWarning above all) reach users.
 * @param {Awaited<ReturnType<typeof run>>} result
 */
function cleanRun(result) {
  if (result.ok && result.stderr.trim() !== '') {
    return { ...result, ok: false, stderr: `printed on stderr:\n${result.stderr}` };
  }
  return result;
}

/**
 * `import()` of every entry point, under one Node.js runtime; nothing may be printed.
 * @param {string} app
 * @param {string} node
 * @param {string[]} specifiers
 */
export async function importEveryEntry(app, node, specifiers) {
  const file = join(app, 'import-entries.mjs');
  writeFileSync(
    file,
    `for (const specifier of ${JSON.stringify(specifiers)}) {
  const namespace = await import(specifier);
  if (Object.keys(namespace).length === 0) throw new Error(specifier + ' exports nothing');
}
`,
  );
  return cleanRun(await run(node, [file], { cwd: app, timeoutMs: 120_000 }));
}

/**
 * `require()` of every entry point from a CommonJS file; nothing may be printed.
 * @param {string} app
 * @param {string} node
 * @param {string[]} specifiers
 */
export async function requireEveryEntry(app, node, specifiers) {
  const file = join(app, 'require-entries.cjs');
  writeFileSync(
    file,
    `for (const specifier of ${JSON.stringify(specifiers)}) {
  const exported = require(specifier);
  if (exported == null || Object.keys(exported).length === 0) {
    throw new Error(specifier + ' exports nothing');
  }
}
`,
  );
  return cleanRun(await run(node, [file], { cwd: app, timeoutMs: 120_000 }));
}

/**
 * Every command the package declares in `bin`, run with `--version`: exit 0, nothing on stderr.
 * @param {string} app
 * @param {string} node
 * @param {string} packageFolder the installed package
 * @param {Record<string, string>} bins
 */
export async function runEveryCommand(app, node, packageFolder, bins) {
  for (const [name, path] of Object.entries(bins)) {
    const result = cleanRun(
      await run(node, [join(packageFolder, path), '--version'], { cwd: app, timeoutMs: 120_000 }),
    );
    if (!result.ok) return { ...result, stderr: `${name} --version: ${result.stderr}` };
  }
  return undefined;
}

/**
 * Runs the README's example as it is, in a fresh folder of the scratch app (so each runtime
 * starts from the same state) holding a copy of the repository's `examples/`. TypeScript runs
 * with Node's type stripping (behind `--experimental-strip-types` on runtimes that still need the
 * flag); `sh` examples run with the app's `node_modules/.bin` and the runtime first on `PATH`.
 * `HOME` is a folder of its own, so an example that writes keys or caches there leaves this
 * machine alone.
 * @param {string} app the scratch app (its node_modules serve the example)
 * @param {string} folder a new folder inside the app, where the example runs
 * @param {string} examples the copy of the repository's `examples/` folder
 * @param {string} node
 * @param {{ language: string, code: string }} example
 * @param {boolean} stripsTypesByDefault
 */
export function runExample(app, folder, examples, node, example, stripsTypesByDefault) {
  const home = join(folder, 'home');
  mkdirSync(home, { recursive: true });
  cpSync(examples, join(folder, 'examples'), { recursive: true });
  const env = {
    ...process.env,
    HOME: home,
    PATH: `${join(app, 'node_modules', '.bin')}:${dirname(node)}:${process.env.PATH}`,
  };
  if (example.language === 'sh') {
    const file = join(folder, 'example.sh');
    writeFileSync(file, example.code);
    return run('bash', ['-euo', 'pipefail', file], { cwd: folder, env, timeoutMs: 300_000 });
  }
  const file = join(folder, example.language === 'ts' ? 'example.mts' : 'example.mjs');
  writeFileSync(file, example.code);
  const flags =
    example.language === 'ts' && !stripsTypesByDefault
      ? ['--experimental-strip-types', '--disable-warning=ExperimentalWarning']
      : [];
  return run(node, [...flags, file], { cwd: folder, env, timeoutMs: 300_000 });
}

/**
 * Type-checks a consumer of every entry point with `tsc --strict` and without `skipLibCheck`:
 * an ES module and a CommonJS module under `nodenext`, or one module under `bundler`.
 * @param {string} app
 * @param {'nodenext' | 'bundler'} resolution
 * @param {string[]} specifiers
 * @param {{ tsc: string, typeRoots: string }} tools the workspace's TypeScript and `@types`
 */
export function typeCheck(app, resolution, specifiers, tools) {
  const esm = specifiers
    .map((specifier, index) => `import * as entry${index} from '${specifier}';`)
    .join('\n');
  const used = specifiers.map((_, index) => `...Object.keys(entry${index})`).join(', ');
  const files = [];
  if (resolution === 'nodenext') {
    writeFileSync(join(app, 'consumer.mts'), `${esm}\nexport const names: string[] = [${used}];\n`);
    const cjs = specifiers
      .map((specifier, index) => `import entry${index} = require('${specifier}');`)
      .join('\n');
    writeFileSync(join(app, 'consumer.cts'), `${cjs}\nexport const names: string[] = [${used}];\n`);
    files.push('consumer.mts', 'consumer.cts');
  } else {
    writeFileSync(join(app, 'consumer.ts'), `${esm}\nexport const names: string[] = [${used}];\n`);
    files.push('consumer.ts');
  }
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      target: 'es2022',
      module: resolution === 'nodenext' ? 'nodenext' : 'preserve',
      moduleResolution: resolution,
      types: ['node'],
      typeRoots: [tools.typeRoots],
    },
    files,
  };
  const configFile = join(app, `tsconfig.${resolution}.json`);
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  return run(process.execPath, [tools.tsc, '-p', configFile], { cwd: app, timeoutMs: 300_000 });
}
