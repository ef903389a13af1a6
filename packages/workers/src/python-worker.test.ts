import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPolicy } from '@karnel/policy';
import { describe, expect, it } from 'vitest';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { requireBubblewrap } from '../test/require-bubblewrap';
import { createPythonWorker } from './python-worker';
import type { IsolationMode } from './subprocess-run';

await requireBubblewrap();
const modes: IsolationMode[] = ['auto', 'process'];

const script = `
import json, os, shutil, sys
task = json.loads(sys.stdin.read())
def attempt(name, fn):
    try:
        fn()
        print(name, 'ok')
    except Exception as error:
        print(name, 'denied', type(error).__name__)
attempt('copy-in', lambda: shutil.copyfile(task['source'], task['target']))
attempt('list-root', lambda: os.listdir('/'))
attempt('rename-out', lambda: os.rename(task['target'], task['outside']))
attempt('remove-source', lambda: os.remove(task['source']))
sys.exit(task.get('exit', 0))
`;

describe.each(modes)('createPythonWorker (isolation %s)', (isolation) => {
  const worker = createPythonWorker({ isolation });

  it('copies from its read scope into its write scope, and nothing beyond', async () => {
    const parent = await makeTempDir();
    const skill = await makeSkill(parent, {
      name: 'copier',
      runtime: 'python',
      files: { 'scripts/main.py': script, 'data/in.txt': 'payload' },
      sandbox: { filesystem: { read: ['data'], write: ['out'] } },
    });
    const policy = createPolicy({
      rules: [
        { effect: 'allow', capability: `fs.read:${parent}/**` },
        { effect: 'allow', capability: `fs.write:${parent}/**` },
      ],
    });
    const target = join(skill.dir, 'out', 'copy.txt');
    const result = await worker.run(
      skill,
      {
        source: join(skill.dir, 'data', 'in.txt'),
        target,
        outside: join(parent, 'moved.txt'),
        exit: 4,
      },
      { policy },
    );
    expect(result.output).toContain('copy-in ok');
    expect(result.output).toContain('list-root denied');
    expect(result.output).toContain('rename-out denied');
    expect(result.output).toContain('remove-source denied');
    expect(await readFile(target, 'utf8')).toBe('payload');
    expect(result).toMatchObject({ ok: false, exitCode: 4 });
  });

  it('probes its interpreter and layers', async () => {
    const probe = await worker.probe();
    expect(probe.available).toBe(true);
    expect(probe.interpreter?.version).toMatch(/^3\./);
    expect(probe.layers).toEqual(
      expect.arrayContaining(['python-audit-hook', 'python-isolated-mode', 'rlimit']),
    );
  });
});
