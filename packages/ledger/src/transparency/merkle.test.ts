import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyPath,
  createFrontier,
  EMPTY_TREE_ROOT,
  inclusionPath,
  merkleLeafHash,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * The Merkle tree hash exactly as RFC 6962 section 2.1 defines it, recursively over the leaf
 * data, written independently of the implementation under test.
 */
function referenceRoot(data: readonly Buffer[]): string {
  const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
  const mth = (items: readonly Buffer[]): Buffer => {
    if (items.length === 0) return sha();
    if (items.length === 1) return sha(Buffer.from([0]), items[0]!);
    let k = 1;
    while (k << 1 < items.length) k <<= 1;
    return sha(Buffer.from([1]), mth(items.slice(0, k)), mth(items.slice(k)));
  };
  return mth(data).toString('hex');
}

// The leaf data of the RFC 6962 reference test vectors (certificate-transparency test data).
const vectorLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((value) => Buffer.from(value, 'hex'));
const vectorRoots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('RFC 6962 Merkle tree hash', () => {
  it('matches the known-answer vectors for trees of 0 to 8 leaves', () => {
    const leaves = vectorLeaves.map((data) => merkleLeafHash(data));
    expect(hex(EMPTY_TREE_ROOT)).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(hex(merkleRoot([]))).toBe(hex(EMPTY_TREE_ROOT));
    for (let size = 1; size <= 8; size++) {
      expect(hex(merkleRoot(leaves.slice(0, size)))).toBe(vectorRoots[size - 1]);
      expect(referenceRoot(vectorLeaves.slice(0, size))).toBe(vectorRoots[size - 1]);
    }
  });

  it('agrees with the recursive reference for every size up to 130, via the frontier too', () => {
    const data = Array.from({ length: 130 }, (_, index) => Buffer.from(`leaf ${index}`));
    const leaves = data.map((item) => merkleLeafHash(item));
    const frontier = createFrontier();
    for (let size = 0; size <= 130; size++) {
      const expected = referenceRoot(data.slice(0, size));
      expect(hex(merkleRoot(leaves, size))).toBe(expected);
      expect(hex(frontier.root())).toBe(expected);
      if (size < 130) frontier.push(leaves[size]!);
    }
    // A frontier resumed from its stored nodes continues the same tree (what snapshots rely on).
    const resumed = createFrontier({
      size: 100,
      nodes: createFrontierAt(leaves, 100)
        .nodes()
        .map((node) => Buffer.from(node, 'hex')),
    });
    for (let index = 100; index < 130; index++) resumed.push(leaves[index]!);
    expect(hex(resumed.root())).toBe(referenceRoot(data));
  });
});

function createFrontierAt(leaves: Uint8Array[], size: number) {
  const frontier = createFrontier();
  for (let index = 0; index < size; index++) frontier.push(leaves[index]!);
  return frontier;
}

const leaves = Array.from({ length: 40 }, (_, index) =>
  merkleLeafHash(Buffer.from(`entry ${index}`)),
);

describe('inclusion proofs', () => {
  it('verify for every leaf of every tree size up to 40', () => {
    for (let size = 1; size <= 40; size++) {
      const root = merkleRoot(leaves, size);
      for (let index = 0; index < size; index++) {
        const path = inclusionPath(leaves, index, size);
        expect(verifyInclusion(leaves[index]!, index, size, path, root)).toBe(true);
      }
    }
  });

  it('fail when anything is changed (property)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 40 })
          .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))),
        fc.integer({ min: 0, max: 5 }),
        fc.nat(),
        ([size, index], mutation, pick) => {
          const root = merkleRoot(leaves, size);
          const path = inclusionPath(leaves, index, size);
          let leaf: Uint8Array = leaves[index]!;
          let proof: Uint8Array[] = path.map((node) => new Uint8Array(node));
          let claimedIndex = index;
          let claimedSize = size;
          let claimedRoot = root;
          switch (mutation) {
            case 0: {
              if (proof.length === 0) return;
              const node = proof[pick % proof.length]!;
              node[pick % 32] = node[pick % 32]! ^ (1 << (pick % 8));
              break;
            }
            case 1:
              leaf = leaves[(index + 1 + (pick % (size - 1))) % size]!;
              break;
            case 2:
              claimedIndex = (index + 1 + (pick % (size - 1))) % size;
              break;
            case 3:
              proof = [...proof, leaves[0]!];
              break;
            case 4:
              if (proof.length === 0) return;
              proof = proof.slice(0, -1);
              break;
            default:
              claimedRoot = merkleRoot(leaves, size - 1);
              claimedSize = size;
          }
          expect(verifyInclusion(leaf, claimedIndex, claimedSize, proof, claimedRoot)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('consistency proofs', () => {
  it('verify for every pair of sizes up to 40', () => {
    for (let newSize = 1; newSize <= 40; newSize++) {
      const newRoot = merkleRoot(leaves, newSize);
      for (let oldSize = 1; oldSize <= newSize; oldSize++) {
        const proof = consistencyPath(leaves, oldSize, newSize);
        expect(
          verifyConsistency(oldSize, newSize, proof, merkleRoot(leaves, oldSize), newRoot),
        ).toBe(true);
      }
    }
  });

  it('fail for a rewritten history, a flipped bit, a missing or extra node, swapped roots (property)', () => {
    const forked = leaves.map((leaf, index) =>
      index === 5 ? merkleLeafHash(Buffer.from('forged')) : leaf,
    );
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 39 })
          .chain((oldSize) =>
            fc.tuple(fc.constant(oldSize), fc.integer({ min: oldSize + 1, max: 40 })),
          ),
        fc.integer({ min: 0, max: 3 }),
        fc.nat(),
        ([oldSize, newSize], mutation, pick) => {
          const oldRoot = merkleRoot(leaves, oldSize);
          const newRoot = merkleRoot(leaves, newSize);
          const proof = consistencyPath(leaves, oldSize, newSize).map(
            (node) => new Uint8Array(node),
          );
          switch (mutation) {
            case 0: {
              if (proof.length === 0) return;
              const node = proof[pick % proof.length]!;
              node[pick % 32] = node[pick % 32]! ^ 0x80;
              expect(verifyConsistency(oldSize, newSize, proof, oldRoot, newRoot)).toBe(false);
              break;
            }
            case 1:
              // The new tree rewrote entry 5: its proof cannot link to the old root if 5 < oldSize.
              if (oldSize <= 5) return;
              expect(
                verifyConsistency(
                  oldSize,
                  newSize,
                  consistencyPath(forked, oldSize, newSize),
                  oldRoot,
                  merkleRoot(forked, newSize),
                ),
              ).toBe(false);
              break;
            case 2:
              expect(
                verifyConsistency(oldSize, newSize, [...proof, leaves[0]!], oldRoot, newRoot),
              ).toBe(false);
              if (proof.length > 0) {
                expect(
                  verifyConsistency(oldSize, newSize, proof.slice(0, -1), oldRoot, newRoot),
                ).toBe(false);
              }
              break;
            default:
              expect(verifyConsistency(oldSize, newSize, proof, newRoot, oldRoot)).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
