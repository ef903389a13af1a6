import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { requireBubblewrap } from '../test/require-bubblewrap';
import { bubblewrapArgs } from './bubblewrap';
import { runCommand } from './host-probe';
import { createNodeWorker } from './node-worker';
import { PYTHON_SECCOMP_SOURCE } from './python-bootstrap';
import { createPythonWorker } from './python-worker';
import { spawnDenyingSeccompProgram } from './seccomp-filter';
import type { IsolationMode } from './subprocess-run';

const host = await requireBubblewrap();
const nodeRoot = dirname(dirname(await realpath(process.execPath)));
const python = (
  await runCommand('python3', ['-I', '-S', '-c', 'import sys; print(sys.executable)'], {
    env: process.env,
  })
).stdout.trim();
const pythonReal = await realpath(python);
const pythonRoot = dirname(dirname(pythonReal));

/**
 * Every way a Python program can start another program, each printing `SPAWNED:<name>` when it
 * got through and `DENIED:<name>` when the kernel (or anything else) refused. Nothing here goes
 * through the audit hook's view of names: the extension is loaded under another module name.
 */
const PYTHON_ATTACKS = String.raw`
import os, sys, threading
def attempt(name, fn):
    try:
        fn()
        print('SPAWNED:' + name, flush=True)
    except BaseException as error:
        print('DENIED:' + name + ':' + type(error).__name__, flush=True)

def aliased_fork_exec():
    import importlib.machinery, importlib.util
    origin = None
    for folder in sys.path:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            candidate = os.path.join(folder, '_posixsubprocess' + suffix)
            if os.path.exists(candidate):
                origin = candidate
    if origin is None:
        import _posixsubprocess as module
    else:
        loader = importlib.machinery.ExtensionFileLoader('innocent._posixsubprocess', origin)
        spec = importlib.util.spec_from_file_location('innocent._posixsubprocess', origin, loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
    read_end, write_end = os.pipe()
    args = [b'/bin/sh', b'-c', b'echo SPAWNED:shell']
    # CPython 3.11 to 3.13 take 23 arguments (as subprocess.py passes them); 3.8 to 3.10, 21.
    try:
        pid = module.fork_exec(args, [b'/bin/sh'], True, (), None, None, -1, -1, -1, -1, -1, -1,
                               read_end, write_end, False, False, -1, None, None, None, -1, None, False)
    except TypeError:
        pid = module.fork_exec(args, [b'/bin/sh'], True, (), None, None, -1, -1, -1, -1, -1, -1,
                               read_end, write_end, False, False, None, None, None, -1, None)
    os.waitpid(pid, 0)

def fork_bomb():
    started = 0
    for _ in range(20):
        if os.fork() == 0:
            os._exit(0)
        started += 1
    if started:
        raise SystemExit('started ' + str(started))

def ctypes_fork():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.fork() < 0:
        raise OSError(ctypes.get_errno(), 'fork')

def ctypes_clone():
    import ctypes, platform
    libc = ctypes.CDLL(None, use_errno=True)
    number = 56 if platform.machine() == 'x86_64' else 220
    if libc.syscall(number, 17, 0, 0, 0, 0) < 0:  # SIGCHLD: a plain fork through clone
        raise OSError(ctypes.get_errno(), 'clone')

def ctypes_ptrace_parent():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    # PTRACE_SEIZE does not stop the tracee: a broken filter must not freeze the test runner.
    target = os.getppid() if os.getpid() != 1 else 1
    if libc.ptrace(0x4206, target, None, None) < 0:
        raise OSError(ctypes.get_errno(), 'ptrace')

def thread_works():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(1))
    thread.start()
    thread.join()
    print('THREAD:' + str(len(seen)), flush=True)

thread_works()
attempt('fork_exec-aliased', aliased_fork_exec)
attempt('os.fork', lambda: os.fork() == 0 and os._exit(0))
attempt('os.posix_spawn', lambda: os.posix_spawn('/bin/true', ['true'], {}))
attempt('subprocess', lambda: __import__('subprocess').run(['/bin/true']))
attempt('fork-bomb', fork_bomb)
attempt('ctypes-fork', ctypes_fork)
attempt('ctypes-clone', ctypes_clone)
attempt('ptrace', ctypes_ptrace_parent)
attempt('os.execv', lambda: os.execv('/bin/sh', ['sh', '-c', 'echo SPAWNED:execv']))
`;

function expectNoSpawn(output: string, names: readonly string[]): void {
  expect(output).not.toContain('SPAWNED:');
  for (const name of names) expect(output).toContain(`DENIED:${name}`);
}

/** Runs `file args` with `program` on descriptor 3, the way the workers hand it to bubblewrap. */
function runWithDescriptor(
  file: string,
  args: readonly string[],
  program: Uint8Array,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    (child.stdio[3] as NodeJS.WritableStream).end(Buffer.from(program));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the seccomp program, with no interpreter hook at all', () => {
  it('lets bubblewrap deny every new process to plain python3, threads still running', async () => {
    const args = bubblewrapArgs({
      readOnly: [pythonRoot],
      readWrite: [],
      network: false,
      env: {},
      cwd: '/tmp',
      seccompFd: 3,
    });
    const result = await runWithDescriptor(
      host.bubblewrap,
      [...args, pythonReal, '-I', '-S', '-c', PYTHON_ATTACKS],
      spawnDenyingSeccompProgram().bytes,
    );
    expect(result.stdout).toContain('THREAD:1');
    // bubblewrap's program leaves execve to the second one (it must exec the interpreter).
    expectNoSpawn(result.stdout.replace(/SPAWNED:execv\n?/, ''), [
      'fork_exec-aliased',
      'os.fork',
      'os.posix_spawn',
      'subprocess',
      'fork-bomb',
      'ctypes-fork',
      'ctypes-clone',
    ]);
  });

  it('once installed by the bootstrap function, also denies execve, without bubblewrap', async () => {
    const hex = Buffer.from(spawnDenyingSeccompProgram({ denyExec: true }).bytes).toString('hex');
    const script = `import os, sys\n${PYTHON_SECCOMP_SOURCE}\nproblem = _karnel_seccomp(${JSON.stringify(hex)})\nassert problem is None, problem\n${PYTHON_ATTACKS}`;
    const result = await runCommand(pythonReal, ['-I', '-S', '-c', script]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('THREAD:1');
    expectNoSpawn(result.stdout, [
      'fork_exec-aliased',
      'os.fork',
      'os.posix_spawn',
      'subprocess',
      'fork-bomb',
      'ctypes-fork',
      'ctypes-clone',
      'ptrace',
      'os.execv',
    ]);
  });

  it('denies child_process to plain node under bubblewrap while worker threads still work', async () => {
    const script = `
      const { Worker } = require('node:worker_threads');
      const child = require('node:child_process');
      const seen = [];
      try { const r = child.spawnSync('/bin/sh', ['-c', 'echo SPAWNED:sh']); seen.push(r.error ? 'DENIED:spawnSync:' + r.error.code : 'SPAWNED:spawnSync' + r.stdout); } catch (e) { seen.push('DENIED:spawnSync:' + e.code); }
      try { child.execFileSync('/bin/true'); seen.push('SPAWNED:execFileSync'); } catch (e) { seen.push('DENIED:execFileSync:' + e.code); }
      new Worker('require("node:worker_threads").parentPort.postMessage(21 * 2)', { eval: true })
        .on('message', (value) => { seen.push('THREAD:' + value); console.log(seen.join('\\n')); process.exit(0); });
    `;
    const args = bubblewrapArgs({
      readOnly: [nodeRoot],
      readWrite: [],
      network: false,
      env: {},
      cwd: '/tmp',
      seccompFd: 3,
    });
    const result = await runWithDescriptor(
      host.bubblewrap,
      [...args, process.execPath, '-e', script],
      spawnDenyingSeccompProgram().bytes,
    );
    expect(result.stdout).toContain('THREAD:42');
    expectNoSpawn(result.stdout, ['spawnSync:EPERM', 'execFileSync']);
  });
});

const NODE_ATTACKS = `
const seen = [];
const attempt = (name, fn) => {
  try { const value = fn(); seen.push((value && value.error ? 'DENIED:' : 'SPAWNED:') + name); }
  catch (error) { seen.push('DENIED:' + name + ':' + (error.code ?? error.name)); }
};
const { createRequire } = await import('node:module');
const require = createRequire(import.meta.url);
attempt('child_process', () => require('node:child_process').spawnSync('/bin/sh', ['-c', 'echo hi']));
attempt('process.execve', () => process.execve('/bin/sh', ['sh', '-c', 'echo SPAWNED:execve']));
attempt('spawn_sync', () => process.binding('spawn_sync').spawn({ file: '/bin/sh', args: ['sh'], stdio: [] }));
console.log(seen.join('\\n'));
`;

describe.each<IsolationMode>(['auto', 'process'])(
  'workers deny new programs (isolation %s)',
  (isolation) => {
    it('python: aliased fork_exec, fork, posix_spawn, execv, subprocess and a fork bomb all fail', async () => {
      const parent = await makeTempDir();
      const skill = await makeSkill(parent, {
        name: `python-spawn-${isolation}`,
        runtime: 'python',
        files: { 'scripts/main.py': PYTHON_ATTACKS },
      });
      const result = await createPythonWorker({ isolation }).run(skill, '');
      expect(result.isolation).toContain('seccomp-no-exec');
      expect(result.output).toContain('THREAD:1');
      expectNoSpawn(result.output, [
        'fork_exec-aliased',
        'os.fork',
        'os.posix_spawn',
        'subprocess',
        'fork-bomb',
        'os.execv',
      ]);
    });

    it('node: child_process, process.execve and process.binding("spawn_sync") all fail', async () => {
      const parent = await makeTempDir();
      const skill = await makeSkill(parent, {
        name: `node-spawn-${isolation}`,
        runtime: 'node',
        files: { 'scripts/main.mjs': NODE_ATTACKS },
      });
      const result = await createNodeWorker({ isolation }).run(skill, '');
      if (isolation === 'auto') expect(result.isolation).toContain('seccomp-no-spawn');
      expectNoSpawn(result.output, ['child_process', 'process.execve', 'spawn_sync']);
    });
  },
);
