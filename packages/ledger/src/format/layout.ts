import { join } from 'node:path';

/** The chain index, relative to the ledger folder. */
export const CHAIN_FILE = 'chain.jsonl';
/** The writers' lock file (hidden, never part of the ledger's content). */
export const LOCK_FILE = '.chain.lock';
/** The group coordination log, relative to the ledger folder. */
export const COORDINATION_LOG = 'coordination_log.jsonl';
/** Where archived chain segments go. */
export const ARCHIVE_DIR = 'archive';

/** Paths of the files of a run. */
export function runPaths(runId: string): { manifest: string; steps: string; outcome: string } {
  return {
    manifest: `runs/${runId}/manifest.json`,
    steps: `runs/${runId}/steps.jsonl`,
    outcome: `runs/${runId}/outcome.yaml`,
  };
}

/** Paths of the files of a decision. */
export function decisionPaths(decisionId: string): {
  context: string;
  reasoning: string;
  outcome: string;
} {
  return {
    context: `decisions/${decisionId}/context.yaml`,
    reasoning: `decisions/${decisionId}/reasoning.md`,
    outcome: `decisions/${decisionId}/outcome.yaml`,
  };
}

/** Path of a group outcome attributed to goals. */
export function outcomePath(outcomeId: string): string {
  return `outcomes/${outcomeId}.yaml`;
}

/** Folder of the files attached to a generic record. */
export function recordFilesDir(entryId: string): string {
  return `records/${entryId}`;
}

/** Absolute path of a ledger-relative path. */
export function resolveLedgerPath(dir: string, path: string): string {
  return join(dir, ...path.split('/'));
}

/** Name of the archive segment holding entries `first` to `last` (zero-padded so names sort). */
export function archiveSegmentPath(first: number, last: number): string {
  return `${ARCHIVE_DIR}/chain-${String(first).padStart(12, '0')}-${String(last).padStart(12, '0')}.jsonl`;
}

/** The archive segments in `dir`, ledger-relative, in chain order. */
export async function listArchiveSegments(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  let names: string[];
  try {
    names = await readdir(join(dir, ARCHIVE_DIR));
  } catch {
    return [];
  }
  return names
    .filter((name) => /^chain-\d{12}-\d{12}\.jsonl$/.test(name))
    .sort()
    .map((name) => `${ARCHIVE_DIR}/${name}`);
}
