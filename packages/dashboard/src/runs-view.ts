import { join } from 'node:path';
import { readFileInside } from '@karnel/core';
import type { LedgerEntry } from '@karnel/ledger';
import { RUN_RECORD_TYPES } from '@karnel/runtime';
import { parse as parseYaml } from 'yaml';

/** Where a run stands, from its ledger records. */
export type RunState = 'running' | 'parked' | 'succeeded' | 'failed' | 'abandoned';

/** One run as the ledger tells it. */
export interface RunSummary {
  /** The run's id (`run_…`). */
  readonly runId: string;
  /** The member (role) that ran, when recorded. */
  member?: string;
  /** The member's tier or adapter kind, when recorded. */
  tier?: string;
  /** Why the run woke: kind and detail of each wake reason. */
  reasons: {
    /** The kind of wake reason (`cadence`, `message`, `manual`, …). */
    kind: string;
    /** What the wake reason says. */
    detail: string;
  }[];
  /** Where it stands now. */
  state: RunState;
  /** Seq of the `run.started` entry. */
  readonly startedSeq: number;
  /** Time of the `run.started` entry. */
  readonly startedAt: string;
  /** Time of its last entry. */
  lastAt: string;
  /** Number of `run.step` entries. */
  steps: number;
  /** Exact total cost from `run.finished`, when finished. */
  cost?: string;
  /** What a parked run waits on (an approval or message id) and why. */
  waitingOn?: {
    /** The id of the approval request or message the run waits on. */
    id: string;
    /** Why the run parked. */
    why: string;
  };
  /** Whether the latest start was a resume. */
  resumed: boolean;
  /** Seqs of every entry about the run, in order. */
  readonly seqs: number[];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The run id of a `run.*` entry: `run_id` (the ledger's run API) or `runId` (raw records). */
export function runIdOf(entry: LedgerEntry): string | undefined {
  return text(entry.body.run_id) ?? text(entry.body.runId);
}

function reasonsOf(value: unknown): { kind: string; detail: string }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((reason) =>
    reason && typeof reason === 'object'
      ? [
          {
            kind: text((reason as Record<string, unknown>).kind) ?? 'unknown',
            detail: text((reason as Record<string, unknown>).detail) ?? '',
          },
        ]
      : [],
  );
}

/**
 * Folds the run records of a ledger (`run.started`, `run.step`, `run.parked`, `run.finished`,
 * see `RUN_RECORD_TYPES` in `@karnel/runtime`) into one summary per run, newest first. The
 * details the ledger's run API keeps in data files (`runs/<id>/manifest.json`, `outcome.yaml`)
 * are read with {@link readRunFiles}; what entry bodies carry is used directly.
 */
export function foldRuns(entries: readonly LedgerEntry[]): RunSummary[] {
  const runs = new Map<string, RunSummary>();
  for (const entry of entries) {
    if (!entry.type.startsWith('run.')) continue;
    const runId = runIdOf(entry);
    if (!runId) continue;
    let run = runs.get(runId);
    if (entry.type === RUN_RECORD_TYPES.runStarted) {
      if (!run) {
        run = {
          runId,
          reasons: [],
          state: 'running',
          startedSeq: entry.seq,
          startedAt: entry.time,
          lastAt: entry.time,
          steps: 0,
          resumed: false,
          seqs: [],
        };
        runs.set(runId, run);
      }
      run.state = 'running';
      run.waitingOn = undefined;
      run.resumed = entry.body.resumed === true;
      run.member = text(entry.body.member) ?? run.member;
      run.tier = text(entry.body.tier) ?? run.tier;
      const reasons = reasonsOf(entry.body.reasons);
      if (reasons.length > 0) run.reasons = reasons;
    }
    if (!run) continue;
    run.seqs.push(entry.seq);
    run.lastAt = entry.time;
    if (entry.type === RUN_RECORD_TYPES.runStep || entry.type === RUN_RECORD_TYPES.runResumed) {
      // A step or a resume after a park means the run goes on (the ledger's run API has one
      // `run.started` per run, so a resumed run shows as new steps).
      if (entry.type === RUN_RECORD_TYPES.runStep) run.steps += 1;
      else {
        run.resumed = true;
        const reasons = reasonsOf(entry.body.reasons);
        if (reasons.length > 0) run.reasons = reasons;
      }
      if (run.state === 'parked') {
        run.state = 'running';
        run.waitingOn = undefined;
      }
    } else if (entry.type === RUN_RECORD_TYPES.runParked) {
      run.state = 'parked';
      run.waitingOn = {
        id: text(entry.body.waitingOn) ?? text(entry.body.waiting_on) ?? '',
        why: text(entry.body.why) ?? '',
      };
    } else if (entry.type === RUN_RECORD_TYPES.runFinished) {
      const status = text(entry.body.status);
      run.state = status === 'failed' || status === 'abandoned' ? status : 'succeeded';
      run.cost = text(entry.body.cost) ?? run.cost;
      run.member = text(entry.body.member) ?? run.member;
      run.waitingOn = undefined;
    }
  }
  return [...runs.values()].reverse();
}

/** What the ledger's run API stored beside the entries of one run. */
export interface RunFiles {
  /** `runs/<id>/manifest.json`, when present. */
  readonly manifest?: Record<string, unknown>;
  /** `runs/<id>/steps.jsonl`, one object per step, when present. */
  readonly steps: readonly Record<string, unknown>[];
  /** `runs/<id>/outcome.yaml`, when present. */
  readonly outcome?: Record<string, unknown>;
}

async function optionalText(ledgerDir: string, path: string): Promise<string | undefined> {
  try {
    // Inside the ledger folder only: a run file linked elsewhere is refused, never shown.
    return (await readFileInside(ledgerDir, path)).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Reads a run's data files from the ledger folder. The run id comes from the ledger and is
 * checked to be one path segment, so it cannot point outside `runs/`.
 */
export async function readRunFiles(ledgerDir: string, runId: string): Promise<RunFiles> {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(runId)) return { steps: [] };
  const folder = join(ledgerDir, 'runs', runId);
  const manifestText = await optionalText(ledgerDir, join(folder, 'manifest.json'));
  const stepsText = await optionalText(ledgerDir, join(folder, 'steps.jsonl'));
  const outcomeText = await optionalText(ledgerDir, join(folder, 'outcome.yaml'));
  const steps: Record<string, unknown>[] = [];
  for (const line of (stepsText ?? '').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const step = asObject(JSON.parse(line));
      if (step) steps.push(step);
    } catch {
      steps.push({ error: 'unreadable step line' });
    }
  }
  let manifest: Record<string, unknown> | undefined;
  let outcome: Record<string, unknown> | undefined;
  try {
    manifest = manifestText === undefined ? undefined : asObject(JSON.parse(manifestText));
  } catch {
    manifest = { error: 'manifest.json is not JSON' };
  }
  try {
    outcome = outcomeText === undefined ? undefined : asObject(parseYaml(outcomeText));
  } catch {
    outcome = { error: 'outcome.yaml is not YAML' };
  }
  return {
    ...(manifest ? { manifest } : {}),
    steps,
    ...(outcome ? { outcome } : {}),
  };
}

/** Fills a summary's member, tier, reasons and cost from the run's data files. */
export function enrichRun(run: RunSummary, files: RunFiles): RunSummary {
  const manifest = files.manifest ?? {};
  const outcome = files.outcome ?? {};
  const reasons = reasonsOf(manifest.reasons);
  return {
    ...run,
    member: run.member ?? text(manifest.member),
    tier: run.tier ?? text(manifest.tier),
    reasons: run.reasons.length > 0 ? run.reasons : reasons,
    cost: run.cost ?? text(outcome.cost),
    resumed: run.resumed || manifest.resumed === true,
    ...(run.state === 'succeeded' &&
    text(outcome.status) &&
    ['failed', 'abandoned'].includes(text(outcome.status)!)
      ? { state: text(outcome.status) as RunState }
      : {}),
  };
}
