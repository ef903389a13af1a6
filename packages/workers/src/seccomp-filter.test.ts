import { endianness } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_X86_64,
  type SeccompProgram,
  spawnDenyingSeccompProgram,
} from './seccomp-filter';

const AUDIT_ARCH_I386 = 0x40000003;
const KILL = 0x80000000;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const CLONE_THREAD = 0x10000;

/**
 * Evaluates a classic BPF program on one `seccomp_data`, the way the kernel does for the
 * instructions the program uses (load word, jeq, jge, jset, return): it checks the program for
 * architectures this machine cannot run (aarch64 on x86_64 and the reverse, i386, x32).
 */
function evaluate(program: SeccompProgram, nr: number, arch: number, arg0 = 0): number {
  const view = new DataView(program.bytes.buffer, program.bytes.byteOffset);
  const little = endianness() === 'LE';
  const data = new DataView(new ArrayBuffer(64));
  data.setInt32(0, nr, true);
  data.setUint32(4, arch, true);
  data.setUint32(16, arg0, true);
  let accumulator = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const code = view.getUint16(pc * 8, little);
    const jumpTrue = view.getUint8(pc * 8 + 2);
    const jumpFalse = view.getUint8(pc * 8 + 3);
    const k = view.getUint32(pc * 8 + 4, little);
    if (code === 0x20) accumulator = data.getUint32(k, true);
    else if (code === 0x06) return k;
    else {
      const taken =
        code === 0x15
          ? accumulator === k
          : code === 0x35
            ? accumulator >= k
            : code === 0x45
              ? (accumulator & k) !== 0
              : Number.NaN;
      if (Number.isNaN(taken)) throw new Error(`unexpected opcode ${code}`);
      pc += taken ? jumpTrue : jumpFalse;
    }
  }
  throw new Error('the program ran off its end');
}

describe('spawnDenyingSeccompProgram', () => {
  const spawnOnly = spawnDenyingSeccompProgram();
  const withExec = spawnDenyingSeccompProgram({ denyExec: true });

  it('kills any architecture it does not know, and the x32 ABI', () => {
    for (const program of [spawnOnly, withExec]) {
      expect(evaluate(program, 2, AUDIT_ARCH_I386)).toBe(KILL);
      expect(evaluate(program, 0, 0)).toBe(KILL);
      expect(evaluate(program, 0x40000000 | 57, AUDIT_ARCH_X86_64)).toBe(KILL);
    }
  });

  it('denies fork, vfork, clone without CLONE_THREAD and clone3 on x86_64; threads pass', () => {
    expect(evaluate(spawnOnly, 57, AUDIT_ARCH_X86_64)).toBe(EPERM);
    expect(evaluate(spawnOnly, 58, AUDIT_ARCH_X86_64)).toBe(EPERM);
    expect(evaluate(spawnOnly, 56, AUDIT_ARCH_X86_64, 0x11)).toBe(EPERM);
    expect(evaluate(spawnOnly, 56, AUDIT_ARCH_X86_64, 0x3d0f00)).toBe(ALLOW);
    expect(evaluate(spawnOnly, 56, AUDIT_ARCH_X86_64, CLONE_THREAD)).toBe(ALLOW);
    expect(evaluate(spawnOnly, 435, AUDIT_ARCH_X86_64)).toBe(ENOSYS);
    expect(evaluate(spawnOnly, 0, AUDIT_ARCH_X86_64)).toBe(ALLOW);
    expect(evaluate(spawnOnly, 59, AUDIT_ARCH_X86_64)).toBe(ALLOW);
    expect(evaluate(withExec, 59, AUDIT_ARCH_X86_64)).toBe(EPERM);
    expect(evaluate(withExec, 322, AUDIT_ARCH_X86_64)).toBe(EPERM);
    for (const nr of [101, 310, 311, 438])
      expect(evaluate(spawnOnly, nr, AUDIT_ARCH_X86_64)).toBe(EPERM);
  });

  it('uses the aarch64 numbers on aarch64 (no fork there; 57 is close)', () => {
    expect(evaluate(spawnOnly, 220, AUDIT_ARCH_AARCH64, 0x11)).toBe(EPERM);
    expect(evaluate(spawnOnly, 220, AUDIT_ARCH_AARCH64, 0x3d0f00)).toBe(ALLOW);
    expect(evaluate(spawnOnly, 435, AUDIT_ARCH_AARCH64)).toBe(ENOSYS);
    expect(evaluate(spawnOnly, 57, AUDIT_ARCH_AARCH64)).toBe(ALLOW);
    expect(evaluate(spawnOnly, 221, AUDIT_ARCH_AARCH64)).toBe(ALLOW);
    expect(evaluate(withExec, 221, AUDIT_ARCH_AARCH64)).toBe(EPERM);
    expect(evaluate(withExec, 281, AUDIT_ARCH_AARCH64)).toBe(EPERM);
    for (const nr of [117, 270, 271, 438])
      expect(evaluate(spawnOnly, nr, AUDIT_ARCH_AARCH64)).toBe(EPERM);
  });
});
