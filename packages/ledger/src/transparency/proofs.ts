import { InvalidArgumentError, type Signer } from '@karnel/core';
import { LedgerStateError } from '../errors';
import type { CheckpointOptions, ConsistencyProof, InclusionProof } from '../ledger';
import type { ChainState } from '../read/chain-state';
import { type Checkpoint, createCheckpoint } from './checkpoint';
import { consistencyPath, inclusionPath } from './merkle';

/** The default checkpoint origin: names the ledger by its first entry, which never changes. */
export function originOf(state: ChainState): string {
  if (state.startSnapshot) return state.startSnapshot.origin;
  const first = state.leafHash(0);
  return `karnel.ledger/${first ? Buffer.from(first).toString('hex').slice(0, 32) : 'empty'}`;
}

function hexRoot(state: ChainState, size: number): string {
  const root = state.rootAt(size);
  if (!root) throw archivedError();
  return Buffer.from(root).toString('hex');
}

function archivedError(): LedgerStateError {
  return new LedgerStateError({
    recordType: 'ledger.proof',
    message:
      'the entries this proof needs were archived; put the archive/ segments back to prove them',
  });
}

function checkSize(size: number, current: number, argument: string): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > current) {
    throw new InvalidArgumentError({
      argument,
      value: size,
      message: `must be an integer in [0, ${current}]`,
    });
  }
}

/** A checkpoint of the entries `state` holds, signed by `signer` and any cosigners. */
export function checkpointOf(
  state: ChainState,
  signer: Signer,
  options: CheckpointOptions = {},
): Checkpoint {
  const origin = options.origin ?? originOf(state);
  return createCheckpoint(
    { origin, size: state.next, root: Buffer.from(state.frontier.root()).toString('hex') },
    [signer, ...(options.cosigners ?? [])],
  );
}

/** Proves that entry `seq` is in the tree of the first `size` entries of `state`. */
export function proveInclusionIn(state: ChainState, seq: number, size?: number): InclusionProof {
  const treeSize = size ?? state.next;
  checkSize(treeSize, state.next, 'size');
  if (state.base > 0) throw archivedError();
  const leaves = (index: number) => state.leafHash(index)!;
  const path = inclusionPath(leaves, seq, treeSize);
  return {
    seq,
    hash: Buffer.from(leaves(seq)).toString('hex'),
    size: treeSize,
    root: hexRoot(state, treeSize),
    path: path.map((node) => Buffer.from(node).toString('hex')),
  };
}

/** Proves that the tree of `oldSize` entries of `state` is a prefix of the tree of `newSize`. */
export function proveConsistencyIn(
  state: ChainState,
  oldSize: number,
  newSize?: number,
): ConsistencyProof {
  const size = newSize ?? state.next;
  checkSize(size, state.next, 'newSize');
  if (state.base > 0) throw archivedError();
  const path = consistencyPath((index) => state.leafHash(index)!, oldSize, size);
  return {
    oldSize,
    oldRoot: hexRoot(state, oldSize),
    newSize: size,
    newRoot: hexRoot(state, size),
    path: path.map((node) => Buffer.from(node).toString('hex')),
  };
}
