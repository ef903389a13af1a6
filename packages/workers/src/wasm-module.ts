/** One import of a WebAssembly module. */
export interface WasmImport {
  /** The import's module name (`extism:host/env`, `wasi_snapshot_preview1`, `env` …). */
  readonly module: string;
  /** The imported name. */
  readonly name: string;
  /** `function`, `table`, `memory` or `global`. */
  readonly kind: 'function' | 'table' | 'memory' | 'global';
}

/** The limits of one memory the module defines. */
export interface WasmMemoryLimits {
  /** Initial size in 64 KiB pages. */
  readonly min: number;
  /** Declared maximum in pages, if any. */
  readonly max?: number;
  /** Whether the memory is shared (threads). */
  readonly shared: boolean;
  /** Whether it is a 64-bit memory. */
  readonly memory64: boolean;
}

/** The result of {@link capWasmMemory}. */
export type CapWasmMemoryResult =
  | {
      /** The cap could be applied. */
      readonly ok: true;
      /** The module with every memory maximum at most the cap. */
      readonly bytes: Uint8Array;
      /** The module's imports, in order. */
      readonly imports: readonly WasmImport[];
      /** The module's memories as declared (before capping). */
      readonly memories: readonly WasmMemoryLimits[];
    }
  | {
      /** The cap could not be applied. */
      readonly ok: false;
      /** Why, one sentence. */
      readonly reason: string;
    };

/** The size of a WebAssembly page: 64 KiB. */
export const WASM_PAGE_BYTES = 65_536;

/**
 * The most elements all of a module's tables may hold together (each maximum is rewritten to its
 * share): tables live outside the capped linear memory, so an unbounded `table.grow` would be
 * memory the cap does not count.
 */
export const WASM_TABLE_ELEMENT_LIMIT = 1_048_576;

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.offset >= this.bytes.length) throw new Error('unexpected end of module');
    return this.bytes[this.offset++]!;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('LEB128 number too long');
    }
  }

  name(): string {
    const length = this.u32();
    const start = this.offset;
    this.offset += length;
    if (this.offset > this.bytes.length) throw new Error('unexpected end of module');
    return new TextDecoder().decode(this.bytes.subarray(start, this.offset));
  }

  tableLimits(): { min: number; max?: number } {
    const flags = this.byte();
    if (flags > 0x01) throw new Error(`unsupported table limits flags ${flags}`);
    const min = this.u32();
    return flags & 0x01 ? { min, max: this.u32() } : { min };
  }

  limits(): WasmMemoryLimits {
    const flags = this.byte();
    if (flags > 0x07) throw new Error(`unknown limits flags ${flags}`);
    const min = this.u32();
    const max = flags & 0x01 ? this.u32() : undefined;
    return {
      min,
      ...(max !== undefined ? { max } : {}),
      shared: (flags & 0x02) !== 0,
      memory64: (flags & 0x04) !== 0,
    };
  }
}

function encodeU32(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

const importKinds = ['function', 'table', 'memory', 'global'] as const;

function readImports(reader: Reader, end: number): WasmImport[] {
  const imports: WasmImport[] = [];
  const count = reader.u32();
  for (let index = 0; index < count; index++) {
    const module = reader.name();
    const name = reader.name();
    const kindByte = reader.byte();
    const kind = importKinds[kindByte];
    if (!kind) throw new Error(`unknown import kind ${kindByte}`);
    if (kind === 'function') reader.u32();
    else if (kind === 'table') {
      reader.byte();
      reader.limits();
    } else if (kind === 'memory') reader.limits();
    else {
      reader.byte();
      reader.byte();
    }
    imports.push({ module, name, kind });
  }
  if (reader.offset !== end) throw new Error('malformed import section');
  return imports;
}

/**
 * Reads a module's imports and memories and rewrites its memory section so that its memory's
 * maximum is at most `maxPages`: the engine itself then refuses `memory.grow` past the cap
 * (it returns -1), however the module was compiled. The cap is on the module's total: a module
 * with more than one memory (multi-memory) is refused, and its tables' maxima are rewritten to
 * share {@link WASM_TABLE_ELEMENT_LIMIT}. Modules the cap cannot be applied to are refused with
 * a reason: more than one memory, a memory whose initial size is already over the cap, an
 * imported, shared or 64-bit memory, a table larger than its share, or bytes that are not a
 * WebAssembly module.
 */
export function capWasmMemory(bytes: Uint8Array, maxPages: number): CapWasmMemoryResult {
  try {
    const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    if (bytes.length < 8 || magic.some((value, index) => bytes[index] !== value)) {
      return { ok: false, reason: 'the entry is not a WebAssembly module (version 1)' };
    }
    const reader = new Reader(bytes);
    reader.offset = 8;
    const pieces: Uint8Array[] = [bytes.subarray(0, 8)];
    let imports: WasmImport[] = [];
    const memories: WasmMemoryLimits[] = [];
    while (reader.offset < bytes.length) {
      const sectionStart = reader.offset;
      const id = reader.byte();
      const size = reader.u32();
      const bodyStart = reader.offset;
      const end = bodyStart + size;
      if (end > bytes.length) throw new Error('section runs past the end of the module');
      if (id === 2) {
        imports = readImports(reader, end);
        const memoryImport = imports.find((entry) => entry.kind === 'memory');
        if (memoryImport) {
          return {
            ok: false,
            reason: `the module imports its memory (${memoryImport.module}.${memoryImport.name}); only modules that define their own memory can be capped`,
          };
        }
        pieces.push(bytes.subarray(sectionStart, end));
      } else if (id === 4) {
        const count = reader.u32();
        const share = Math.floor(WASM_TABLE_ELEMENT_LIMIT / Math.max(1, count));
        const body: number[] = [...encodeU32(count)];
        for (let index = 0; index < count; index++) {
          const referenceType = reader.byte();
          if (referenceType !== 0x70 && referenceType !== 0x6f) {
            return {
              ok: false,
              reason: `table ${index} has an encoding this worker cannot cap (0x${referenceType.toString(16)})`,
            };
          }
          const limits = reader.tableLimits();
          if (limits.min > share) {
            return {
              ok: false,
              reason: `table ${index} starts with ${limits.min} elements, over its share of ${share} of the ${WASM_TABLE_ELEMENT_LIMIT} the sandbox allows`,
            };
          }
          const max = Math.min(limits.max ?? share, share);
          body.push(referenceType, 0x01, ...encodeU32(limits.min), ...encodeU32(max));
        }
        if (reader.offset !== end) throw new Error('malformed table section');
        pieces.push(new Uint8Array([4, ...encodeU32(body.length), ...body]));
      } else if (id === 5) {
        const count = reader.u32();
        if (count > 1) {
          return {
            ok: false,
            reason: `the module defines ${count} memories; the sandbox's memory cap is for the module as a whole, so only modules with one memory are run`,
          };
        }
        const body: number[] = [...encodeU32(count)];
        for (let index = 0; index < count; index++) {
          const limits = reader.limits();
          memories.push(limits);
          if (limits.shared || limits.memory64) {
            return {
              ok: false,
              reason: 'shared and 64-bit memories cannot be capped by this worker',
            };
          }
          if (limits.min > maxPages) {
            return {
              ok: false,
              reason: `the module starts with ${limits.min} pages (${(limits.min * WASM_PAGE_BYTES) / 1048576} MB), over the sandbox's cap of ${maxPages} pages`,
            };
          }
          const max = Math.min(limits.max ?? maxPages, maxPages);
          body.push(0x01, ...encodeU32(limits.min), ...encodeU32(max));
        }
        if (reader.offset !== end) throw new Error('malformed memory section');
        pieces.push(new Uint8Array([5, ...encodeU32(body.length), ...body]));
      } else {
        pieces.push(bytes.subarray(sectionStart, end));
      }
      reader.offset = end;
    }
    const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
    const out = new Uint8Array(total);
    let position = 0;
    for (const piece of pieces) {
      out.set(piece, position);
      position += piece.length;
    }
    return { ok: true, bytes: out, imports, memories };
  } catch (error) {
    return { ok: false, reason: `the module is malformed: ${(error as Error).message}` };
  }
}
