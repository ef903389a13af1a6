import { createDiagnostic } from '@karnel/core';
import type { ChainState } from '../read/chain-state';
import { type Checkpoint, verifyCheckpointSignatures } from '../transparency/checkpoint';
import type { Findings } from './findings';

/**
 * Checks the chain against a checkpoint kept elsewhere: its signatures (by a trusted key when
 * keys are given), that the ledger still has its `size` entries, and that their Merkle root
 * (`root`, computed by the caller when the entries are at hand) is the one it signed.
 */
export function verifyAgainstCheckpoint(
  checkpoint: Checkpoint,
  root: string | undefined,
  state: ChainState,
  chainFile: string,
  lines: number,
  trustedKeys: readonly string[] | undefined,
  findings: Findings,
): void {
  const signatures = verifyCheckpointSignatures(checkpoint, trustedKeys ? { trustedKeys } : {});
  if (!signatures.ok) {
    findings.report(
      Math.max(0, checkpoint.size - 1),
      1,
      createDiagnostic({
        file: chainFile,
        code: 'ledger/checkpoint-signature',
        message: trustedKeys
          ? 'the checkpoint carries no valid signature from a trusted key'
          : 'the checkpoint carries no valid signature',
      }),
    );
    return;
  }
  if (state.next < checkpoint.size) {
    findings.report(
      state.next,
      lines + 1,
      createDiagnostic({
        file: chainFile,
        line: lines + 1,
        code: 'ledger/truncated',
        message: `the ledger has ${state.next} entries, but a checkpoint signed by ${signatures.trustedSigners[0]} covers ${checkpoint.size}: entries from ${state.next} on were removed`,
      }),
    );
    return;
  }
  if (root === undefined) {
    // The checkpoint covers fewer entries than were archived away: only the archive can tell.
    findings.report(
      checkpoint.size,
      1,
      createDiagnostic({
        file: chainFile,
        code: 'ledger/checkpoint-archived',
        severity: 'warning',
        message: `the checkpoint covers ${checkpoint.size} entries, which were archived before entry ${state.base}; put the archive/ segments back to check it`,
      }),
    );
    return;
  }
  if (root !== checkpoint.root) {
    findings.report(
      Math.max(0, checkpoint.size - 1),
      Math.min(lines, checkpoint.size),
      createDiagnostic({
        file: chainFile,
        line: Math.max(1, Math.min(lines, checkpoint.size)),
        code: 'ledger/checkpoint-mismatch',
        message: `the first ${checkpoint.size} entries do not have the Merkle root the checkpoint signed (history was rewritten)`,
      }),
    );
  }
}
