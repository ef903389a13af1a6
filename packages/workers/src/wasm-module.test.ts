import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import createWabt from 'wabt';
import { capWasmMemory, WASM_TABLE_ELEMENT_LIMIT } from './wasm-module';

function leb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

/** A module with one memory `(memory min max?)` exported as "memory". */
function moduleWithMemory(min: number, max: number | undefined): Uint8Array {
  const limits = max === undefined ? [0x00, ...leb(min)] : [0x01, ...leb(min), ...leb(max)];
  const memory = [0x01, ...limits];
  const exports = [0x01, 0x06, ...new TextEncoder().encode('memory'), 0x02, 0x00];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x05,
    ...leb(memory.length),
    ...memory,
    0x07,
    ...leb(exports.length),
    ...exports,
  ]);
}

/** The part of the WebAssembly JS API this test uses (the compiler's lib here has no DOM types). */
interface WasmMemory {
  grow(pages: number): number;
  readonly buffer: ArrayBuffer;
}
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

describe('capWasmMemory', () => {
  it('never lets memory grow past the cap, and keeps smaller maxima', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.option(fc.integer({ min: 0, max: 256 }), { nil: undefined }),
        fc.integer({ min: 1, max: 128 }),
        (min, extra, cap) => {
          const max = extra === undefined ? undefined : min + extra;
          const capped = capWasmMemory(moduleWithMemory(min, max), cap);
          if (min > cap) {
            expect(capped.ok).toBe(false);
            return;
          }
          expect(capped.ok).toBe(true);
          if (!capped.ok) return;
          const instance = new wasm.Instance(new wasm.Module(capped.bytes));
          const memory = instance.exports.memory as WasmMemory;
          const limit = Math.min(max ?? cap, cap);
          if (limit > min) memory.grow(limit - min);
          expect(memory.buffer.byteLength).toBe(limit * 65536);
          expect(() => memory.grow(1)).toThrow(RangeError);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses what it cannot cap: not wasm, imported memory, truncated bytes', () => {
    expect(capWasmMemory(new TextEncoder().encode('#!/bin/sh'), 10)).toMatchObject({ ok: false });
    const importsMemory = new Uint8Array([
      0x00,
      0x61,
      0x73,
      0x6d,
      0x01,
      0x00,
      0x00,
      0x00,
      0x02,
      0x0f,
      0x01,
      0x03,
      ...new TextEncoder().encode('env'),
      0x06,
      ...new TextEncoder().encode('memory'),
      0x02,
      0x00,
      0x01,
    ]);
    const result = capWasmMemory(importsMemory, 10);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(/imports its memory/);
    expect(capWasmMemory(moduleWithMemory(1, 2).subarray(0, 12), 10)).toMatchObject({ ok: false });
  });
});

const wabt = await createWabt();

describe('capWasmMemory caps the module as a whole', () => {
  const compile = (source: string): Uint8Array => {
    // wabt's types predate multi-memory; the flag is passed through to its parser all the same.
    const features = { multi_memory: true } as Parameters<typeof wabt.parseWat>[2];
    const module = wabt.parseWat('test.wat', source, features);
    try {
      return module.toBinary({}).buffer;
    } finally {
      module.destroy();
    }
  };

  it('refuses a module of eight 16 MB memories under a 16 MB cap, and any second memory', () => {
    const eight = compile(
      `(module ${Array.from({ length: 8 }, (_, index) => `(memory $m${index} 256)`).join(' ')})`,
    );
    const result = capWasmMemory(eight, 256);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(/defines 8 memories/);
    const two = capWasmMemory(compile('(module (memory 1 1) (memory 1 1))'), 256);
    expect(two.ok).toBe(false);
    expect(capWasmMemory(compile('(module (memory 1 1))'), 256).ok).toBe(true);
  });

  it("bounds a table's growth to its share, and refuses a table that starts over it", () => {
    const growable = compile(`(module
      (table $t 1 funcref)
      (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0))))`);
    const capped = capWasmMemory(growable, 16);
    expect(capped.ok).toBe(true);
    if (!capped.ok) return;
    const instance = new wasm.Instance(new wasm.Module(capped.bytes));
    const grow = instance.exports.grow as (delta: number) => number;
    expect(grow(WASM_TABLE_ELEMENT_LIMIT)).toBe(-1);
    expect(grow(WASM_TABLE_ELEMENT_LIMIT - 1)).toBe(1);
    expect(grow(1)).toBe(-1);
    const uncapped = new wasm.Instance(new wasm.Module(growable));
    expect((uncapped.exports.grow as (delta: number) => number)(WASM_TABLE_ELEMENT_LIMIT)).toBe(1);
    const huge = compile(`(module (table ${WASM_TABLE_ELEMENT_LIMIT + 1} funcref))`);
    expect(capWasmMemory(huge, 16)).toMatchObject({ ok: false });
  });
});
