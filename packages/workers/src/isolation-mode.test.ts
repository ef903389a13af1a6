import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPolicy } from '@karnel/policy';
import { describe, expect, it } from 'vitest';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { requireBubblewrap } from '../test/require-bubblewrap';
import { SandboxUnavailableError } from './errors';
import { createNodeWorker } from './node-worker';
import { createPythonWorker } from './python-worker';
import {
  type IsolationMode,
  PROCESS_ISOLATION_WARNING,
  probeSubprocessWorker,
  runSubprocessSkill,
} from './subprocess-run';

await requireBubblewrap();

/** Every live process whose command line mentions `marker`. */
async function processesMentioning(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const commandLine = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (commandLine.includes(marker)) found.push(`${name}: ${commandLine}`);
    } catch {
      // it exited while being read
    }
  }
  return found;
}

describe('isolation modes', () => {
  it('auto never falls back silently: without bubblewrap a node or python run is refused', async () => {
    const parent = await makeTempDir();
    const skill = await makeSkill(parent, {
      name: 'no-bwrap',
      runtime: 'node',
      files: { 'scripts/main.mjs': 'console.log("ran")' },
    });
    const host = { procfs: true, bubblewrapProblem: 'bubblewrap (bwrap) is not installed' };
    let started = false;
    const runtime = {
      runtime: 'node' as const,
      interpreterRoots: [],
      minimumMemoryMb: 1,
      command: () => {
        started = true;
        throw new Error('the run must be refused before a command is built');
      },
    };
    for (const mode of ['auto', 'bubblewrap'] as const) {
      const attempt = runSubprocessSkill(runtime, host, mode, skill, '', {});
      await expect(attempt).rejects.toSatisfy(SandboxUnavailableError.isInstance);
      await expect(attempt).rejects.toThrow(/isolation "process", an explicit opt-in/);
    }
    expect(started).toBe(false);
    const probe = probeSubprocessWorker({
      runtime: 'python',
      host,
      isolation: 'auto',
      runtimeLayers: [],
    });
    expect(probe.available).toBe(false);
    expect(probe.notes.join(' ')).toMatch(/refused unless isolation is "process"/);
  });

  it('marks every result of an opted-in process run as unprotected, and no other', async () => {
    const parent = await makeTempDir();
    const skill = await makeSkill(parent, {
      name: 'marked',
      runtime: 'python',
      files: { 'scripts/main.py': 'print("ran")' },
    });
    const unprotected = await createPythonWorker({ isolation: 'process' }).run(skill, '');
    expect(unprotected).toMatchObject({ ok: true, unprotected: PROCESS_ISOLATION_WARNING });
    expect(unprotected.isolation).not.toContain('bubblewrap');
    const bounded = await createPythonWorker({ isolation: 'auto' }).run(skill, '');
    expect(bounded.ok).toBe(true);
    expect(bounded.unprotected).toBeUndefined();
    expect(bounded.isolation).toEqual(
      expect.arrayContaining(['bubblewrap', 'seccomp-no-spawn', 'seccomp-no-exec']),
    );
  });

  describe.each<IsolationMode>(['auto', 'process'])('isolation %s', (isolation) => {
    it('leaves no process behind: a daemon attempt never starts, and nothing outlives the run', async () => {
      const parent = await makeTempDir();
      const marker = `karnel-daemon-${isolation}-${Date.now()}`;
      const python = await makeSkill(parent, {
        name: `${marker}-python`,
        runtime: 'python',
        files: {
          'scripts/main.py': `
import os, time
for attempt in range(3):
    try:
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(30)
            os._exit(0)
        print('FORKED', flush=True)
    except OSError as error:
        print('DENIED', error.errno, flush=True)
`,
        },
      });
      const node = await makeSkill(parent, {
        name: `${marker}-node`,
        runtime: 'node',
        files: {
          'scripts/main.mjs': `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
try {
  require('node:child_process').spawn('/bin/sleep', ['30'], { detached: true, stdio: 'ignore' }).unref();
  console.log('FORKED');
} catch (error) { console.log('DENIED', error.code); }
`,
        },
      });
      const pythonResult = await createPythonWorker({ isolation }).run(python, '');
      expect(pythonResult.output).not.toContain('FORKED');
      expect(pythonResult.output).toContain('DENIED');
      const nodeResult = await createNodeWorker({ isolation }).run(node, '');
      expect(nodeResult.output).not.toContain('FORKED');
      expect(nodeResult.output).toContain('DENIED');
      expect(await processesMentioning(marker)).toEqual([]);
    });
  });

  it('python with isolation process: the kernel (Landlock) stops dir_fd and SQLite ATTACH escapes', async () => {
    const parent = await makeTempDir();
    const secret = `landlock-secret-${Date.now()}`;
    await writeFile(join(parent, 'outside.txt'), secret);
    await mkdir(join(parent, 'scope'));
    const skill = await makeSkill(parent, {
      name: 'escaper',
      runtime: 'python',
      files: {
        'scripts/main.py': `
import json, os, sqlite3, sys
task = json.loads(sys.stdin.read())
def attempt(name, fn):
    try:
        print('ESCAPED:' + name + ':' + str(fn()), flush=True)
    except Exception as error:
        print('DENIED:' + name + ':' + type(error).__name__, flush=True)
def read_through_dir_fd():
    # The path looks like one inside the run folder to anything resolving it against the
    # working folder; relative to the scope's descriptor it is the file outside.
    scope = os.open(task['scope'], os.O_RDONLY)
    return os.read(os.open('../outside.txt', os.O_RDONLY, dir_fd=scope), 200).decode()
def attach():
    connection = sqlite3.connect('inside.sqlite')
    connection.execute('ATTACH DATABASE ? AS other', (task['attach'],))
    connection.execute('CREATE TABLE other.t (x)')
    connection.commit()
    return 'attached'
attempt('dir_fd', read_through_dir_fd)
attempt('attach', attach)
`,
      },
    });
    const attachTarget = join(parent, 'attached.sqlite');
    const result = await createPythonWorker({ isolation: 'process' }).run(
      skill,
      { scope: join(parent, 'scope'), attach: attachTarget },
      {
        policy: createPolicy({
          rules: [{ effect: 'allow', capability: `fs.read:${parent}/scope/**` }],
        }),
        filesystem: { read: [join(parent, 'scope')] },
      },
    );
    expect(result.stderr).toBe('');
    expect(result.output).toContain('DENIED:dir_fd');
    expect(result.output).toContain('DENIED:attach');
    expect(result.output).not.toContain('ESCAPED');
    expect(result.output).not.toContain(secret);
    expect(existsSync(attachTarget)).toBe(false);
    expect(result.unprotected).toBe(PROCESS_ISOLATION_WARNING);
  });
});
