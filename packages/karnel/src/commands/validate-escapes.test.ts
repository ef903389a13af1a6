import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Diagnostic, generateKeyPair, publicKeyToDid } from '@karnel/core';
import { createAgentDirectory } from '@karnel/manifest';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/run-karnel';
import type { CliOutput } from '../output';
import { runCli } from '../run-cli';

let dir: string;
useTempDir((path) => {
  dir = path;
});

async function run(args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const output: CliOutput = {
    out: (text) => {
      stdout += `${text}\n`;
    },
    err: (text) => {
      stderr += `${text}\n`;
    },
    interactive: false,
  };
  const code = await runCli(args, output);
  return { code, stdout, stderr };
}

/** An agent whose manifest quotes escape sequences where diagnostics will repeat them. */
async function hostileAgent(): Promise<string> {
  const agent = join(dir, 'agent');
  await createAgentDirectory(agent, { owner: publicKeyToDid(generateKeyPair().publicKey) });
  const manifest = join(agent, 'manifest.yaml');
  const text = await readFile(manifest, 'utf8');
  await writeFile(
    manifest,
    text
      .replace('name: "agent"', 'name: "ok\\e[2K\\rforged: valid"')
      .replace('ledger: "./ledger"', 'ledger: "./led\\e]0;pwned\\ager"')
      .concat('"\\e[31mred\\u009b2J": 1\n'),
  );
  return agent;
}

describe('karnel validate never prints a manifest field raw', () => {
  it.each(['text', 'github'])('escapes control characters in %s output', async (format) => {
    const agent = await hostileAgent();
    const result = await run(['validate', agent, '--format', format]);
    expect(result.code).toBe(1);
    const printed = result.stdout + result.stderr;
    // The diagnostics quote the hostile text, visibly escaped …
    expect(printed).toContain('\\x1b[31mred\\x9b2J');
    expect(printed).toContain('\\x1b]0;pwned');
    // … and no control character but the line feed reaches the terminal.
    expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('keeps --format json raw: JSON escapes control characters itself and programs get the exact text', async () => {
    const agent = await hostileAgent();
    const result = await run(['validate', agent, '--format', 'json']);
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const diagnostics = JSON.parse(result.stdout) as Diagnostic[];
    expect(diagnostics.map((diagnostic) => diagnostic.message).join('\n')).toContain(
      '\u001b[31mred\u009b2J',
    );
  });
});
