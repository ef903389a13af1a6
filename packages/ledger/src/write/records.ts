import { canonicalJson, createId, InvalidArgumentError } from '@karnel/core';
import { stringify as stringifyYaml } from 'yaml';
import { LedgerStateError } from '../errors';
import { isLedgerPath, isRecordType } from '../format/entry';
import {
  COORDINATION_LOG,
  decisionPaths,
  outcomePath,
  recordFilesDir,
  resolveLedgerPath,
  runPaths,
} from '../format/layout';
import { SNAPSHOT_TYPE, type SnapshotBody, type SnapshotFile } from '../format/snapshot';
import type {
  AppendRecord,
  RecordDecisionInput,
  RecordOutcomeInput,
  StartRunInput,
} from '../ledger';
import type { ChainState } from '../read/chain-state';
import { originOf } from '../transparency/proofs';
import { hashPrefix } from './file-io';
import { type FileWrite, type PrepareRecord, RESERVED_TYPES } from './prepared-record';

// Each function checks its input at once (a bad argument throws before anything is queued) and
// returns how to build the record under the lock, from the chain state as it is then.

function openRun(
  state: ChainState,
  runId: string,
  recordType: string,
): { steps: number; finished: boolean } {
  const run = state.runs.get(runId);
  if (!run) throw new LedgerStateError({ recordType, message: `run ${runId} was never started` });
  if (run.finished)
    throw new LedgerStateError({ recordType, message: `run ${runId} is already finished` });
  return run;
}

function checkSegment(value: string, argument: string): void {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value)) {
    throw new InvalidArgumentError({
      argument,
      value,
      message: 'must be an id made of letters, digits, "_", "-" and "."',
    });
  }
}

function toJsonObject(value: unknown, argument: string): Record<string, unknown> {
  return toCanonicalObject(value, argument).value;
}

/** A copy of `value` as a reader will see it, and its canonical JSON. */
function toCanonicalObject(
  value: unknown,
  argument: string,
): { value: Record<string, unknown>; json: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError({ argument, value, message: 'must be a JSON object' });
  }
  // canonicalJson throws a precise InvalidArgumentError for values JSON cannot hold.
  const json = canonicalJson(value);
  return { value: JSON.parse(json) as Record<string, unknown>, json };
}

function toBuffer(data: string | Uint8Array): Buffer {
  return typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A generic record of any type not reserved for the typed methods; `files` go to `records/<ent_id>/`. */
export function prepareRecord(record: AppendRecord): PrepareRecord {
  const { type, body, files } = record;
  if (typeof type !== 'string' || !isRecordType(type)) {
    throw new InvalidArgumentError({
      argument: 'record.type',
      value: type,
      message: 'must be dotted lowercase words',
    });
  }
  if (RESERVED_TYPES.has(type) || type.startsWith('ledger.')) {
    throw new InvalidArgumentError({
      argument: 'record.type',
      value: type,
      message:
        'is written by a dedicated method (startRun, appendStep, …) or reserved for the ledger itself',
    });
  }
  const canonicalBody = toCanonicalObject(body, 'record.body');
  const bodyJson = canonicalBody.json;
  const fileEntries = Object.entries(files ?? {});
  for (const [name] of fileEntries) {
    if (!isLedgerPath(name)) {
      throw new InvalidArgumentError({
        argument: 'record.files',
        value: name,
        message: 'not a safe relative file name',
      });
    }
  }
  const folder = fileEntries.length > 0 ? recordFilesDir(createId('ent')) : undefined;
  const writes = fileEntries.map(([name, data]) => ({
    path: `${folder}/${name}`,
    data: toBuffer(data),
    append: false,
  }));
  // The entry of the first batch to write it shares the parsed body; one written again (a
  // batch that failed and is retried) gets a fresh parse.
  let parsed: Record<string, unknown> | undefined = canonicalBody.value;
  return () => {
    const fresh = parsed ?? (JSON.parse(bodyJson) as Record<string, unknown>);
    parsed = undefined;
    return { type, body: fresh, bodyJson, files: writes };
  };
}

/** `run.started`: `runs/<id>/manifest.json`. */
export function prepareRunStart(input: StartRunInput = {}): {
  runId: string;
  prepare: PrepareRecord;
} {
  const runId = input.runId ?? createId('run');
  checkSegment(runId, 'input.runId');
  const manifest = toJsonObject(input.manifest ?? {}, 'input.manifest');
  const prepare: PrepareRecord = (state, time) => {
    if (state.runs.has(runId)) {
      throw new LedgerStateError({
        recordType: 'run.started',
        message: `run ${runId} was already started`,
      });
    }
    const content = { id: runId, started_at: time, ...manifest };
    return {
      type: 'run.started',
      body: { run_id: runId },
      files: [
        {
          path: runPaths(runId).manifest,
          data: Buffer.from(`${JSON.stringify(content, null, 2)}\n`),
          append: false,
        },
      ],
    };
  };
  return { runId, prepare };
}

/** `run.step`: a line of `runs/<id>/steps.jsonl`. */
export function prepareStep(runId: string, step: Record<string, unknown>): PrepareRecord {
  checkSegment(runId, 'runId');
  const line = Buffer.from(`${canonicalJson(toJsonObject(step, 'step'))}\n`);
  return (state) => {
    const run = openRun(state, runId, 'run.step');
    return {
      type: 'run.step',
      body: { run_id: runId, index: run.steps },
      files: [{ path: runPaths(runId).steps, data: line, append: true }],
    };
  };
}

/** `run.finished`: `runs/<id>/outcome.yaml`. */
export function prepareRunFinish(runId: string, outcome: Record<string, unknown>): PrepareRecord {
  checkSegment(runId, 'runId');
  const content = toJsonObject(outcome, 'outcome');
  return (state, time) => {
    const run = openRun(state, runId, 'run.finished');
    return {
      type: 'run.finished',
      body: { run_id: runId, steps: run.steps },
      files: [
        {
          path: runPaths(runId).outcome,
          data: Buffer.from(stringifyYaml({ run_id: runId, finished_at: time, ...content })),
          append: false,
        },
      ],
    };
  };
}

/** `decision.recorded`: `decisions/<id>/context.yaml`, `reasoning.md` (and `outcome.yaml`). */
export function prepareDecision(input: RecordDecisionInput): {
  decisionId: string;
  prepare: PrepareRecord;
} {
  const decisionId = input.decisionId ?? createId('dec');
  checkSegment(decisionId, 'input.decisionId');
  if (input.runId !== undefined) checkSegment(input.runId, 'input.runId');
  if (typeof input.reasoning !== 'string') {
    throw new InvalidArgumentError({
      argument: 'input.reasoning',
      value: input.reasoning,
      message: 'must be a string',
    });
  }
  const context = toJsonObject(input.context, 'input.context');
  const outcome =
    input.outcome === undefined ? undefined : toJsonObject(input.outcome, 'input.outcome');
  const paths = decisionPaths(decisionId);
  const prepare: PrepareRecord = (state, time) => {
    if (state.decisions.has(decisionId)) {
      throw new LedgerStateError({
        recordType: 'decision.recorded',
        message: `decision ${decisionId} was already recorded`,
      });
    }
    const files: FileWrite[] = [
      {
        path: paths.context,
        data: Buffer.from(stringifyYaml({ decision_id: decisionId, decided_at: time, ...context })),
        append: false,
      },
      { path: paths.reasoning, data: Buffer.from(input.reasoning), append: false },
    ];
    if (outcome) {
      files.push({
        path: paths.outcome,
        data: Buffer.from(
          stringifyYaml({ decision_id: decisionId, observed_at: time, ...outcome }),
        ),
        append: false,
      });
    }
    return {
      type: 'decision.recorded',
      body: {
        decision_id: decisionId,
        ...(input.runId ? { run_id: input.runId } : {}),
        has_outcome: outcome !== undefined,
      },
      files,
    };
  };
  return { decisionId, prepare };
}

/** `decision.outcome` (a decision's `outcome.yaml`) or `outcome.recorded` (`outcomes/<id>.yaml`). */
export function prepareOutcome(input: RecordOutcomeInput): PrepareRecord {
  const outcome = toJsonObject(input.outcome, 'input.outcome');
  const goals = input.goals ? [...input.goals] : undefined;
  if (goals?.some((goal) => typeof goal !== 'string')) {
    throw new InvalidArgumentError({
      argument: 'input.goals',
      value: goals,
      message: 'must be strings',
    });
  }
  if (input.decisionId !== undefined) {
    const decisionId = input.decisionId;
    checkSegment(decisionId, 'input.decisionId');
    return (state, time) => {
      const decision = state.decisions.get(decisionId);
      if (!decision) {
        throw new LedgerStateError({
          recordType: 'decision.outcome',
          message: `decision ${decisionId} was never recorded`,
        });
      }
      if (decision.outcome) {
        throw new LedgerStateError({
          recordType: 'decision.outcome',
          message: `decision ${decisionId} already has an outcome; outcomes are never rewritten`,
        });
      }
      const content = {
        decision_id: decisionId,
        observed_at: time,
        ...(goals ? { goals } : {}),
        ...outcome,
      };
      return {
        type: 'decision.outcome',
        body: { decision_id: decisionId, ...(goals ? { goals } : {}) },
        files: [
          {
            path: decisionPaths(decisionId).outcome,
            data: Buffer.from(stringifyYaml(content)),
            append: false,
          },
        ],
      };
    };
  }
  const outcomeId = input.outcomeId ?? createId('out');
  checkSegment(outcomeId, 'input.outcomeId');
  return (_state, time) => {
    const content = {
      outcome_id: outcomeId,
      observed_at: time,
      ...(goals ? { goals } : {}),
      ...outcome,
    };
    return {
      type: 'outcome.recorded',
      body: { outcome_id: outcomeId, ...(goals ? { goals } : {}) },
      files: [
        {
          path: outcomePath(outcomeId),
          data: Buffer.from(stringifyYaml(content)),
          append: false,
        },
      ],
    };
  };
}

/** `coordination.logged`: a line of `coordination_log.jsonl`. */
export function prepareCoordination(event: Record<string, unknown>): PrepareRecord {
  const line = Buffer.from(`${canonicalJson(toJsonObject(event, 'event'))}\n`);
  const kind = typeof event.type === 'string' ? event.type : undefined;
  return (state) => ({
    type: 'coordination.logged',
    body: { index: state.coordinationLines, ...(kind ? { event_type: kind } : {}) },
    files: [{ path: COORDINATION_LOG, data: line, append: true }],
  });
}

/** `ledger.snapshot`: everything needed to continue the chain without the entries before it. */
export function prepareSnapshot(dir: string): PrepareRecord {
  return async (state) => {
    const files: SnapshotFile[] = [];
    for (const [path, file] of [...state.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      files.push({
        path,
        size: file.end,
        sha256: await hashPrefix(resolveLedgerPath(dir, path), file.end),
        ...(file.append ? { append: true } : {}),
      });
    }
    const body: SnapshotBody = {
      size: state.next,
      root: Buffer.from(state.frontier.root()).toString('hex'),
      frontier: state.frontier.nodes(),
      origin: originOf(state),
      files,
      runs: [...state.runs].map(([id, run]) => ({
        id,
        steps: run.steps,
        finished: run.finished,
      })),
      decisions: [...state.decisions].map(([id, decision]) => ({
        id,
        outcome: decision.outcome,
      })),
      coordination_lines: state.coordinationLines,
    };
    return { type: SNAPSHOT_TYPE, body, files: [] };
  };
}
