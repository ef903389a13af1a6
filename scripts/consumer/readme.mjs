import { builtinModules } from 'node:module';

// Reads the two parts of a package README that the consumer test relies on:
//
// - the **Install** section: the first fenced `sh` block after the `## Install` heading; each line
//   starting with `npm install` (or `npm i`) names the packages an adopter installs, flags aside;
// - the **Example**: the first fenced `ts`, `js` or `sh` block after the `## Example` heading. That
//   block is the package's runnable example: the consumer test runs it as it is, in a scratch app.

/**
 * The first fenced block after a level-2 heading, or undefined.
 * @param {string} text the README
 * @param {string} heading the heading text, e.g. "Example"
 * @param {string[]} languages the fence languages accepted
 * @returns {{ language: string, code: string } | undefined}
 */
export function blockAfterHeading(text, heading, languages) {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start === -1) return undefined;
  for (let index = start + 1; index < lines.length; index++) {
    const line = lines[index];
    if (line.startsWith('## ')) return undefined;
    const fence = /^```(\w+)\s*$/.exec(line);
    if (!fence) continue;
    const end = lines.findIndex((candidate, at) => at > index && candidate.startsWith('```'));
    if (end === -1) return undefined;
    const language = fence[1];
    if (!languages.includes(language)) {
      index = end;
      continue;
    }
    return { language, code: `${lines.slice(index + 1, end).join('\n')}\n` };
  }
  return undefined;
}

/**
 * The packages the README's Install section tells an adopter to install, or undefined when the
 * README has no Install section with an `npm install` line.
 * @param {string} text the README
 * @returns {string[] | undefined}
 */
export function installedByReadme(text) {
  const block = blockAfterHeading(text, 'Install', ['sh', 'bash', 'shell']);
  if (!block) return undefined;
  const names = [];
  for (const raw of block.code.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const words = line.split(/\s+/);
    if (words[0] !== 'npm' || !['install', 'i', 'add'].includes(words[1] ?? '')) continue;
    for (const word of words.slice(2)) if (!word.startsWith('-')) names.push(word);
  }
  return names.length > 0 ? names : undefined;
}

/**
 * The runnable example: the first `ts`, `js` or `sh` block after `## Example`.
 * @param {string} text the README
 */
export function runnableExample(text) {
  return blockAfterHeading(text, 'Example', ['ts', 'js', 'sh']);
}

/**
 * The package names a JavaScript or TypeScript example imports (bare specifiers only; `node:`
 * built-ins and relative paths are left out).
 * @param {string} code
 * @returns {string[]}
 */
export function importedPackages(code) {
  const specifiers = new Set();
  const patterns = [
    /\bfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\s+['"]([^'"]+)['"]/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) specifiers.add(match[1]);
  }
  const names = new Set();
  for (const specifier of specifiers) {
    if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/')) {
      continue;
    }
    const parts = specifier.split('/');
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    if (!builtinModules.includes(name)) names.add(name);
  }
  return [...names].sort();
}
