import { endianness, arch as osArch } from 'node:os';

/**
 * A classic BPF seccomp program that keeps a sandboxed process from starting programs, enforced
 * by the kernel rather than by hooks inside the interpreter.
 *
 * The program checks `seccomp_data.arch` first and kills the process for any architecture but
 * x86_64 and aarch64 (a 32-bit or x32 system call would otherwise reach the kernel under other
 * numbers). For the two it knows, it denies:
 * - `fork` and `vfork` with `EPERM`;
 * - `clone` without `CLONE_THREAD` with `EPERM` — threads still work, which Node and CPython
 *   need, and a thread is never a new process (`CLONE_THREAD` implies a shared address space
 *   and signal handlers in the same thread group);
 * - `clone3` with `ENOSYS`: its flags sit in a structure in memory that a filter cannot read,
 *   so the C library is told the call does not exist and falls back to `clone`, which the flag
 *   check above then filters;
 * - `ptrace`, `process_vm_readv`, `process_vm_writev` and `pidfd_getfd` with `EPERM`: each
 *   would let the skill drive or read another process of its user (one without this filter)
 *   into doing what the filter denies it;
 * - with `denyExec`, `execve` and `execveat` with `EPERM`, so that the process cannot replace
 *   itself with another program either.
 *
 * `execve` cannot be denied in the filter bubblewrap installs (`--seccomp`), because bubblewrap
 * itself executes the interpreter after installing it; the exec-denying program is installed a
 * second time by the runtime's bootstrap, before any code of the skill runs (seccomp filters
 * stack and cannot be removed).
 */
export interface SeccompProgram {
  /** The instructions as `struct sock_filter[]` bytes, in the host's byte order. */
  readonly bytes: Uint8Array;
  /** How many instructions: `sock_fprog.len`. */
  readonly length: number;
}

/** Options of {@link spawnDenyingSeccompProgram}. */
export interface SeccompProgramOptions {
  /** Also deny `execve` and `execveat`. Default `false`. */
  readonly denyExec?: boolean;
}

/** `AUDIT_ARCH_X86_64`: EM_X86_64 (62) | `__AUDIT_ARCH_64BIT` | `__AUDIT_ARCH_LE`. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** `AUDIT_ARCH_AARCH64`: EM_AARCH64 (183) | `__AUDIT_ARCH_64BIT` | `__AUDIT_ARCH_LE`. */
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;

const CLONE_THREAD = 0x00010000;
const X32_SYSCALL_BIT = 0x40000000;
const EPERM = 1;
const ENOSYS = 38;

const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;

// Classic BPF opcodes.
const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JEQ_K = 0x15;
const BPF_JMP_JGE_K = 0x35;
const BPF_JMP_JSET_K = 0x45;
const BPF_RET_K = 0x06;

// Offsets in `struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }`.
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16;

/** The system call numbers the program filters, per architecture (`undefined`: no such call). */
interface ArchSyscalls {
  readonly audit: number;
  readonly fork?: number;
  readonly vfork?: number;
  readonly clone: number;
  readonly clone3: number;
  readonly execve: number;
  readonly execveat: number;
  /** Calls that reach into another process: `ptrace`, `process_vm_readv`, `process_vm_writev`, `pidfd_getfd`. */
  readonly intrusive: readonly number[];
  /** Numbers at or above this are another ABI sharing the architecture (x32). */
  readonly foreignAbiFrom?: number;
}

/** From `arch/x86/entry/syscalls/syscall_64.tbl` and `include/uapi/asm-generic/unistd.h`. */
const ARCHITECTURES: readonly ArchSyscalls[] = [
  {
    audit: AUDIT_ARCH_X86_64,
    clone: 56,
    fork: 57,
    vfork: 58,
    execve: 59,
    execveat: 322,
    clone3: 435,
    intrusive: [101, 310, 311, 438],
    foreignAbiFrom: X32_SYSCALL_BIT,
  },
  {
    audit: AUDIT_ARCH_AARCH64,
    clone: 220,
    execve: 221,
    execveat: 281,
    clone3: 435,
    intrusive: [117, 270, 271, 438],
  },
];

type Target = string;
interface Instruction {
  readonly code: number;
  readonly k: number;
  readonly jumpTrue?: Target;
  readonly jumpFalse?: Target;
}

/** A tiny assembler: jumps name labels, resolved to the forward offsets BPF wants. */
class ProgramBuilder {
  readonly #instructions: Instruction[] = [];
  readonly #labels = new Map<string, number>();

  label(name: string): void {
    this.#labels.set(name, this.#instructions.length);
  }

  load(offset: number): void {
    this.#instructions.push({ code: BPF_LD_W_ABS, k: offset });
  }

  jump(code: number, k: number, jumpTrue: Target, jumpFalse: Target): void {
    this.#instructions.push({ code, k, jumpTrue, jumpFalse });
  }

  ret(value: number): void {
    this.#instructions.push({ code: BPF_RET_K, k: value });
  }

  assemble(): SeccompProgram {
    const count = this.#instructions.length;
    const bytes = new Uint8Array(count * 8);
    const view = new DataView(bytes.buffer);
    const little = endianness() === 'LE';
    const offsetTo = (from: number, target: Target | undefined): number => {
      if (target === undefined) return 0;
      if (target === 'next') return 0;
      const at = this.#labels.get(target);
      if (at === undefined) throw new Error(`seccomp program: unknown label ${target}`);
      const offset = at - from - 1;
      if (offset < 0 || offset > 255)
        throw new Error(`seccomp program: jump to ${target} out of range`);
      return offset;
    };
    this.#instructions.forEach((instruction, index) => {
      view.setUint16(index * 8, instruction.code, little);
      view.setUint8(index * 8 + 2, offsetTo(index, instruction.jumpTrue));
      view.setUint8(index * 8 + 3, offsetTo(index, instruction.jumpFalse));
      view.setUint32(index * 8 + 4, instruction.k >>> 0, little);
    });
    return { bytes, length: count };
  }
}

/**
 * Builds the program described on {@link SeccompProgram}: no new processes (threads allowed),
 * and with `denyExec` no `execve` either, on x86_64 and aarch64; any other architecture is
 * killed.
 */
export function spawnDenyingSeccompProgram({
  denyExec = false,
}: SeccompProgramOptions = {}): SeccompProgram {
  return assemble(denyExec);
}

/**
 * BPF jumps only forward, so the program is laid out as: the architecture dispatch, one block
 * per architecture, then the shared tails (the `clone` flag check and the returns).
 */
function assemble(denyExec: boolean): SeccompProgram {
  const program = new ProgramBuilder();
  program.load(OFFSET_ARCH);
  ARCHITECTURES.forEach((arch, index) => {
    program.jump(BPF_JMP_JEQ_K, arch.audit, `arch${index}`, 'next');
  });
  program.ret(SECCOMP_RET_KILL_PROCESS);
  ARCHITECTURES.forEach((arch, index) => {
    program.label(`arch${index}`);
    program.load(OFFSET_NR);
    if (arch.foreignAbiFrom !== undefined) {
      program.jump(BPF_JMP_JGE_K, arch.foreignAbiFrom, 'kill', 'next');
    }
    const denied: [number | undefined, Target][] = [
      [arch.fork, 'eperm'],
      [arch.vfork, 'eperm'],
      [arch.clone3, 'enosys'],
      [arch.clone, 'clone'],
      ...arch.intrusive.map((number): [number, Target] => [number, 'eperm']),
      ...(denyExec
        ? ([
            [arch.execve, 'eperm'],
            [arch.execveat, 'eperm'],
          ] as [number, Target][])
        : []),
    ];
    for (const [number, target] of denied) {
      if (number !== undefined) program.jump(BPF_JMP_JEQ_K, number, target, 'next');
    }
    program.ret(SECCOMP_RET_ALLOW);
  });
  program.label('clone');
  program.load(OFFSET_ARG0_LOW);
  program.jump(BPF_JMP_JSET_K, CLONE_THREAD, 'allow', 'eperm');
  program.label('allow');
  program.ret(SECCOMP_RET_ALLOW);
  program.label('eperm');
  program.ret(SECCOMP_RET_ERRNO | EPERM);
  program.label('enosys');
  program.ret(SECCOMP_RET_ERRNO | ENOSYS);
  program.label('kill');
  program.ret(SECCOMP_RET_KILL_PROCESS);
  return program.assemble();
}

/** Whether {@link spawnDenyingSeccompProgram} covers this machine's architecture. */
export function seccompSupported(): boolean {
  return process.platform === 'linux' && (osArch() === 'x64' || osArch() === 'arm64');
}
