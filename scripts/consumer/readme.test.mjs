// Tests of the README conventions the consumer test relies on (`node --test scripts/consumer/`).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importedPackages, installedByReadme, runnableExample } from './readme.mjs';

const readme = `# @karnel/x

Intro with a block that is not the install line:

\`\`\`sh
pnpm add something-else
\`\`\`

## Install

\`\`\`sh
npm install @karnel/x @karnel/core zod   # what the example needs
npm i --save-dev typescript
\`\`\`

## Example

\`\`\`yaml
not: runnable
\`\`\`

\`\`\`ts
import { z } from 'zod';
import { readFile } from 'node:fs/promises';
import { helper } from './helper.js';
import { x } from '@karnel/x/sub';
const fs = await import('fs');
\`\`\`

\`\`\`ts
// a second block is not the example
\`\`\`

## API
`;

test('the Install section lists the packages of its npm install lines, flags and comments aside', () => {
  assert.deepEqual(installedByReadme(readme), ['@karnel/x', '@karnel/core', 'zod', 'typescript']);
});

test('a README without an Install section installs nothing it could name', () => {
  assert.equal(installedByReadme('# x\n\n```sh\nnpm install x\n```\n'), undefined);
});

test('the example is the first ts, js or sh block after ## Example', () => {
  const example = runnableExample(readme);
  assert.equal(example?.language, 'ts');
  assert.match(example?.code ?? '', /^import \{ z \} from 'zod';/);
  assert.doesNotMatch(example?.code ?? '', /second block/);
});

test('an example block must sit inside the Example section', () => {
  assert.equal(runnableExample('## Example\n\nprose\n\n## API\n\n```ts\nx\n```\n'), undefined);
});

test('imported packages are bare specifiers reduced to package names, built-ins left out', () => {
  assert.deepEqual(importedPackages(runnableExample(readme)?.code ?? ''), ['@karnel/x', 'zod']);
});

test('every package README of this repository has an Install line and a runnable example', () => {
  const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages');
  for (const folder of readdirSync(packages)) {
    const text = readFileSync(join(packages, folder, 'README.md'), 'utf8');
    const names = installedByReadme(text);
    assert.ok(names, `${folder}: no "## Install" npm line`);
    assert.ok(runnableExample(text), `${folder}: no runnable block after "## Example"`);
    const example = runnableExample(text);
    if (example && example.language !== 'sh') {
      const missing = importedPackages(example.code).filter((name) => !names?.includes(name));
      assert.deepEqual(missing, [], `${folder}: the example imports what Install leaves out`);
    }
  }
});
