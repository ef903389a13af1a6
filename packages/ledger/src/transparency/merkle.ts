import { createHash, hash as oneShotHash } from 'node:crypto';
import { InvalidArgumentError } from '@karnel/core';

/**
 * Merkle tree hashing of RFC 6962 / RFC 9162 (section 2.1): leaves are hashed with a `0x00`
 * prefix and interior nodes with `0x01`, so a leaf can never be passed off as a node (the
 * second-preimage attack on naive Merkle trees). Hashes are 32-byte SHA-256 digests.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** SHA-256 of the empty string: the root of the empty tree (RFC 9162 section 2.1.1). */
export const EMPTY_TREE_ROOT: Uint8Array = new Uint8Array(createHash('sha256').digest());

/** The RFC 6962 leaf hash of `data`: `SHA-256(0x00 || data)`. */
export function merkleLeafHash(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(LEAF_PREFIX).update(data).digest());
}

const nodeInput = Buffer.alloc(65);

/** The RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`. */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32) {
    return new Uint8Array(
      createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest(),
    );
  }
  // One native call over a reused buffer: a tree of n leaves needs n - 1 of these.
  nodeInput[0] = 0x01;
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return oneShotHash('sha256', nodeInput, 'buffer') as Buffer;
}

/** The largest power of two strictly smaller than `n` (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Reads the tree's leaf hashes: an array, or a function for trees held elsewhere. */
export type LeafSource = readonly Uint8Array[] | ((index: number) => Uint8Array);

function leafAt(leaves: LeafSource, index: number): Uint8Array {
  return typeof leaves === 'function' ? leaves(index) : leaves[index]!;
}

/**
 * The Merkle tree hash (MTH) of leaves `[start, end)`, given their leaf hashes. Iterative over
 * perfect subtrees, so it needs O(log n) memory and n - 1 node hashes.
 */
export function merkleRoot(leaves: LeafSource, end?: number, start = 0): Uint8Array {
  const stop = end ?? (typeof leaves === 'function' ? 0 : leaves.length);
  if (stop < start)
    throw new InvalidArgumentError({ argument: 'end', value: stop, message: 'before start' });
  const frontier = createFrontier();
  for (let index = start; index < stop; index++) frontier.push(leafAt(leaves, index));
  return frontier.root();
}

/**
 * The right edge of a growing tree: the roots of its perfect subtrees, largest first. Adding a
 * leaf costs one node hash on average, and the root of the whole tree is O(log n) away at any
 * time, which is what makes checkpoints cheap on a long ledger.
 */
export interface MerkleFrontier {
  /** Number of leaves added. */
  readonly size: number;
  /** Adds a leaf hash. */
  push(leafHash: Uint8Array): void;
  /** The tree hash of every leaf added so far. */
  root(): Uint8Array;
  /** The perfect-subtree roots, largest (leftmost) first, as hex; what a snapshot stores. */
  nodes(): string[];
}

/** Creates a {@link MerkleFrontier}, optionally resuming from a snapshot's `size` and `nodes`. */
export function createFrontier(resume?: {
  size: number;
  nodes: readonly Uint8Array[];
}): MerkleFrontier {
  // stack[i] is a perfect subtree; sizes are the set bits of `size`, largest first.
  const stack: Uint8Array[] = resume ? [...resume.nodes] : [];
  let size = resume?.size ?? 0;
  if (resume && popCount(size) !== stack.length) {
    throw new InvalidArgumentError({
      argument: 'resume',
      value: resume.size,
      message: 'node count does not match size',
    });
  }
  return {
    get size() {
      return size;
    },
    push(leafHash) {
      let node = leafHash;
      let carry = size;
      // Each trailing 1 bit of the old size is a subtree of equal height waiting for a sibling.
      while (carry % 2 === 1) {
        node = merkleNodeHash(stack.pop()!, node);
        carry = Math.floor(carry / 2);
      }
      stack.push(node);
      size++;
    },
    root() {
      if (stack.length === 0) return EMPTY_TREE_ROOT;
      let node = stack[stack.length - 1]!;
      for (let index = stack.length - 2; index >= 0; index--)
        node = merkleNodeHash(stack[index]!, node);
      return node;
    },
    nodes: () => stack.map((node) => Buffer.from(node).toString('hex')),
  };
}

function popCount(value: number): number {
  let count = 0;
  let rest = value;
  while (rest > 0) {
    count += rest % 2;
    rest = Math.floor(rest / 2);
  }
  return count;
}

/**
 * The audit path proving that leaf `index` is in the tree of the first `size` leaves
 * (RFC 9162 section 2.1.3.1, PATH). Sibling hashes from the leaf up to the root.
 */
export function inclusionPath(leaves: LeafSource, index: number, size: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new InvalidArgumentError({
      argument: 'index',
      value: index,
      message: `must be in [0, ${size})`,
    });
  }
  const path: Uint8Array[] = [];
  let start = 0;
  let end = size;
  const target = index;
  // Walk down from the root, collecting the sibling subtree at each level, then reverse.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (target - start < k) {
      path.push(merkleRoot(leaves, end, start + k));
      end = start + k;
    } else {
      path.push(merkleRoot(leaves, start + k, start));
      start += k;
    }
  }
  return path.reverse();
}

/**
 * The proof that the tree of `oldSize` leaves is a prefix of the tree of `newSize` leaves
 * (RFC 9162 section 2.1.4.1, SUBPROOF).
 */
export function consistencyPath(
  leaves: LeafSource,
  oldSize: number,
  newSize: number,
): Uint8Array[] {
  if (!Number.isInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
    throw new InvalidArgumentError({
      argument: 'oldSize',
      value: oldSize,
      message: `must be in [0, ${newSize}]`,
    });
  }
  if (oldSize === 0 || oldSize === newSize) return [];
  const proof: Uint8Array[] = [];
  const subproof = (m: number, start: number, end: number, complete: boolean): void => {
    const n = end - start;
    if (m === n) {
      if (!complete) proof.push(merkleRoot(leaves, end, start));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, start, start + k, complete);
      proof.push(merkleRoot(leaves, end, start + k));
    } else {
      subproof(m - k, start + k, end, false);
      proof.push(merkleRoot(leaves, start + k, start));
    }
  };
  subproof(oldSize, 0, newSize, true);
  return proof;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * Checks an inclusion proof (RFC 9162 section 2.1.3.2): whether `leafHash` is leaf `index` of
 * the tree of `size` leaves whose root is `root`. Never throws for a bad proof.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size)
    return false;
  let fn = index;
  let sn = size - 1;
  let node = leafHash;
  for (const sibling of path) {
    if (sibling.length !== 32 || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      node = merkleNodeHash(sibling, node);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      node = merkleNodeHash(node, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(node, root);
}

/**
 * Checks a consistency proof (RFC 9162 section 2.1.4.2): whether the tree of `oldSize` leaves
 * with root `oldRoot` is a prefix of the tree of `newSize` leaves with root `newRoot`.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): boolean {
  if (!Number.isInteger(oldSize) || !Number.isInteger(newSize) || oldSize < 0 || oldSize > newSize)
    return false;
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  if (proof.some((node) => node.length !== 32)) return false;
  let path = [...proof];
  if (isPowerOfTwo(oldSize)) path = [oldRoot, ...path];
  if (path.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = merkleNodeHash(c, fr);
      sr = merkleNodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = merkleNodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}

function isPowerOfTwo(value: number): boolean {
  let rest = value;
  while (rest > 1 && rest % 2 === 0) rest /= 2;
  return rest === 1;
}
