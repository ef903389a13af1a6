// Start-up overhead of each skill runtime for a skill that does nothing, next to starting the
// bare interpreter with no sandbox at all, measured in the same run. Median and 90th percentile
// of wall-clock milliseconds from "run this" to "it has exited", on this machine.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker as ThreadWorker } from 'node:worker_threads';
import { loadSkill } from '@karnel/skills';
import {
  createNativeWorker,
  createNodeWorker,
  createPythonWorker,
  createWasmWorker,
  probeHost,
  spawnDenyingSeccompProgram,
} from '@karnel/workers';

// (module (memory (export "memory") 1) (func (export "run") (result i32) (i32.const 0)))
const NOOP_WASM = Buffer.from(
  '0061736d010000000105016000017f030201000503010001071002066d656d6f727902000372756e00000a0601040041000b',
  'hex',
);

const root = await mkdtemp(join(tmpdir(), 'karnel-bench-'));

async function skill(name, runtime, files, extra = {}) {
  const dir = join(root, name);
  await mkdir(join(dir, 'scripts'), { recursive: true });
  await writeFile(
    join(dir, 'SKILL.md'),
    `---\nname: ${name}\ndescription: A no-op skill for the start-up benchmark.\n---\n`,
  );
  const execution = { runtime, ...extra };
  await writeFile(
    join(dir, 'karnel.yaml'),
    JSON.stringify({ karnel_skill_version: '0.2', execution }),
  );
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  const { skill: loaded, diagnostics } = await loadSkill(dir);
  if (!loaded) throw new Error(JSON.stringify(diagnostics));
  return loaded;
}

function stats(samples) {
  const sorted = [...samples].sort((left, right) => left - right);
  const at = (fraction) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return { median: at(0.5), p90: at(0.9) };
}

/**
 * Measures several variants in interleaved rounds (each round runs every variant once), so that
 * the load other processes put on the machine falls on all of them alike.
 */
async function measureRounds(rounds, variants) {
  for (const variant of variants) await variant.fn(); // warm-up: caches, probes, lookups
  const samples = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, variant] of variants.entries()) {
      const started = performance.now();
      await variant.fn();
      samples[index].push(performance.now() - started);
    }
  }
  const baseline = stats(samples[0]);
  for (const [index, variant] of variants.entries()) {
    const figures = index === 0 ? baseline : stats(samples[index]);
    const difference = figures.median - baseline.median;
    const overhead =
      index === 0
        ? ''
        : `  (${difference >= 0 ? '+' : '-'}${Math.abs(difference).toFixed(1)} ms vs ${variants[0].label})`;
    console.log(
      `${variant.label.padEnd(44)} median ${figures.median.toFixed(1).padStart(7)} ms   p90 ${figures.p90.toFixed(1).padStart(7)} ms${overhead}`,
    );
  }
}

const host = await probeHost();
console.log(
  `bubblewrap: ${host.bubblewrap ? 'yes' : `no (${host.bubblewrapProblem})`}; prlimit: ${host.prlimit ? 'yes' : 'no'}`,
);

const nodeSkill = await skill('noop-node', 'node', { 'scripts/main.mjs': '' });
const pythonSkill = await skill('noop-python', 'python', { 'scripts/main.py': '' });
const wasmSkill = await skill(
  'noop-wasm',
  'wasm',
  { 'main.wasm': NOOP_WASM },
  {
    sha256: createHash('sha256').update(NOOP_WASM).digest('hex'),
  },
);
const nativeSkill = await skill('noop', 'native', {});
const noopOperation = {
  name: 'noop',
  description: 'Does nothing.',
  input: { parse: (value) => value },
  needs: () => ({}),
  run: async () => null,
};

const check = (result) => {
  if (!result.ok) throw new Error(`a no-op skill failed: ${result.reason ?? result.stderr}`);
};

const run = (worker, skill, input) => async () => check(await worker.run(skill, input));

console.log('\nNode.js, no-op skill');
await measureRounds(8, [
  { label: "bare node -e ''", fn: () => execFileSync(process.execPath, ['-e', '']) },
  ...(host.bubblewrap
    ? [
        {
          label: 'node worker: bubblewrap + seccomp + permission',
          fn: run(createNodeWorker({ isolation: 'auto' }), nodeSkill, ''),
        },
      ]
    : []),
  {
    label: 'node worker: process layers only',
    fn: run(createNodeWorker({ isolation: 'process' }), nodeSkill, ''),
  },
]);

const python = spawnSync('python3', ['-I', '-S', '-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
});
if (python.status === 0) {
  const executable = python.stdout.trim();
  console.log('\nPython, no-op skill');
  await measureRounds(8, [
    { label: "bare python3 -c ''", fn: () => execFileSync(executable, ['-c', '']) },
    {
      label: "bare python3 -I -S -c ''",
      fn: () => execFileSync(executable, ['-I', '-S', '-c', '']),
    },
    ...(host.bubblewrap
      ? [
          {
            label: 'python worker: bubblewrap + seccomp + audit hook',
            fn: run(createPythonWorker({ isolation: 'auto' }), pythonSkill, ''),
          },
        ]
      : []),
    {
      label: 'python worker: process layers only',
      fn: run(createPythonWorker({ isolation: 'process' }), pythonSkill, ''),
    },
  ]);
} else {
  console.log('python3: not installed, skipped');
}

/** Runs `file args`, handing `program` on descriptor 3 when given; resolves at exit. */
function runWithProgram(file, args, program) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'ignore', 'inherit', ...(program ? ['pipe'] : [])],
    });
    if (program) child.stdio[3].end(Buffer.from(program));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
}

if (host.bubblewrap) {
  // The seccomp program's own cost: the same bubblewrap sandbox with and without it.
  const sandbox = [
    '--unshare-all',
    '--die-with-parent',
    '--ro-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
  ];
  const spawnOnly = spawnDenyingSeccompProgram().bytes;
  const withExec = Buffer.from(spawnDenyingSeccompProgram({ denyExec: true }).bytes).toString(
    'hex',
  );
  console.log('\nseccomp no-spawn program, inside bubblewrap');
  await measureRounds(10, [
    {
      label: "bwrap node -e ''",
      fn: () => runWithProgram(host.bubblewrap, [...sandbox, process.execPath, '-e', '']),
    },
    {
      label: "bwrap --seccomp node -e ''",
      fn: () =>
        runWithProgram(
          host.bubblewrap,
          [...sandbox, '--seccomp', '3', process.execPath, '-e', ''],
          spawnOnly,
        ),
    },
  ]);
  if (python.status === 0) {
    const executable = python.stdout.trim();
    // What the python bootstrap does: load ctypes, prctl(NO_NEW_PRIVS), prctl(SECCOMP).
    const install = `import ctypes
p = bytes.fromhex('${withExec}')
class F(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]
b = ctypes.create_string_buffer(p, len(p))
f = F(len(p) // 8, ctypes.cast(b, ctypes.c_void_p))
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
assert libc.prctl(38, 1, None, 0, 0) == 0
assert libc.prctl(22, 2, ctypes.addressof(f), 0, 0) == 0
`;
    await measureRounds(10, [
      {
        label: "bwrap python3 -I -S -c ''",
        fn: () => runWithProgram(host.bubblewrap, [...sandbox, executable, '-I', '-S', '-c', '']),
      },
      {
        label: 'bwrap --seccomp python3 + exec filter',
        fn: () =>
          runWithProgram(
            host.bubblewrap,
            [...sandbox, '--seccomp', '3', executable, '-I', '-S', '-c', install],
            spawnOnly,
          ),
      },
    ]);
  }
}

console.log('\nWebAssembly, no-op module');
const threadSource = `import { parentPort } from 'node:worker_threads';
const { instance } = await WebAssembly.instantiate(new Uint8Array([${[...NOOP_WASM].join(',')}]));
parentPort.postMessage(instance.exports.run());`;
await measureRounds(15, [
  {
    label: 'bare WebAssembly.instantiate + call',
    fn: async () => {
      const { instance } = await WebAssembly.instantiate(NOOP_WASM);
      instance.exports.run();
    },
  },
  {
    label: 'bare worker thread + instantiate + call',
    fn: async () => {
      const thread = new ThreadWorker(
        new URL(`data:text/javascript,${encodeURIComponent(threadSource)}`),
      );
      await new Promise((resolve) => thread.once('message', resolve));
      await thread.terminate();
    },
  },
  { label: 'wasm worker: Extism in a thread, capped', fn: run(createWasmWorker(), wasmSkill, '') },
]);

console.log('\nNative, no-op operation');
await measureRounds(200, [
  { label: 'bare call of the operation', fn: () => noopOperation.run() },
  {
    label: 'native worker: policy + scope checks',
    fn: run(createNativeWorker({ operations: [noopOperation] }), nativeSkill, {}),
  },
]);
