import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { SandboxUnavailableError, WrongRuntimeError } from './errors';
import { createNodeWorker } from './node-worker';
import { createPythonWorker } from './python-worker';

async function nodeSkill(source: string, sandbox: Record<string, unknown> = {}) {
  const parent = await makeTempDir();
  return makeSkill(parent, {
    name: 'script',
    runtime: 'node',
    files: { 'scripts/main.mjs': source },
    sandbox,
  });
}

describe('createNodeWorker', () => {
  const worker = createNodeWorker();

  it('reports the exit code and error output of a failing skill', async () => {
    const skill = await nodeSkill("console.error('broken input'); process.exit(3);");
    const result = await worker.run(skill, '');
    expect(result).toMatchObject({ ok: false, exitCode: 3 });
    expect(result.killedBy).toBeUndefined();
    expect(result.stderr).toContain('broken input');
  });

  it('kills a skill that writes more than maxOutputBytes', async () => {
    const skill = await nodeSkill("for (;;) process.stdout.write('x'.repeat(65536));");
    const result = await worker.run(skill, '', { maxOutputBytes: 100_000 });
    expect(result.killedBy).toBe('output');
    expect(result.output.length).toBeLessThanOrEqual(100_000);
  });

  it('stops a skill when the caller aborts', async () => {
    const skill = await nodeSkill('setInterval(() => {}, 1000);');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await worker.run(skill, '', { signal: controller.signal });
    expect(result.killedBy).toBe('signal');
  });

  it('refuses an entry that changed after its digest was declared', async () => {
    const parent = await makeTempDir();
    const source = "console.log('original');";
    const skill = await makeSkill(parent, {
      name: 'pinned',
      runtime: 'node',
      sha256: sha256Hex(source),
      files: { 'scripts/main.mjs': source },
    });
    expect((await worker.run(skill, '')).output).toBe('original\n');
    await writeFile(join(skill.dir, 'scripts', 'main.mjs'), "console.log('swapped');");
    const result = await worker.run(skill, '');
    expect(result.killedBy).toBe('sandbox');
    expect(result.output).toBe('');
  });

  it('refuses a memory cap too small for the interpreter, and skills of other runtimes', async () => {
    const tiny = await nodeSkill('', { max_memory_mb: 8 });
    await expect(worker.run(tiny, '')).rejects.toSatisfy(SandboxUnavailableError.isInstance);
    const skill = await nodeSkill('');
    await expect(createPythonWorker().run(skill, '')).rejects.toThrow(WrongRuntimeError);
  });

  it('probes the layers it would use', async () => {
    const probe = await createNodeWorker({ isolation: 'process' }).probe();
    expect(probe).toMatchObject({ runtime: 'node', available: true, bubblewrap: false });
    expect(probe.layers).toEqual(
      expect.arrayContaining(['node-permission', 'node-net-guard', 'clean-env', 'kill-timer']),
    );
    expect(probe.layers).not.toContain('bubblewrap');
  });
});
