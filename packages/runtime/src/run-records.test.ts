import { describe, expect, it } from 'vitest';
import { runFinishedSchema, runStartedSchema, runStepSchema } from './run-records';
import { WAKE_REASON_KINDS, wakeReasonSchema } from './wake-reason';

const reason = {
  kind: 'manual',
  detail: 'karnel wake writer --reason "draft"',
  at: '2026-12-06T08:00:00Z',
};

describe('wake reasons', () => {
  it('accepts every kind the tick can produce', () => {
    for (const kind of WAKE_REASON_KINDS) {
      expect(wakeReasonSchema.parse({ ...reason, kind }).kind).toBe(kind);
    }
  });

  it('refuses an unknown kind, an unknown field and an over-long detail', () => {
    expect(wakeReasonSchema.safeParse({ ...reason, kind: 'heartbeat' }).success).toBe(false);
    expect(wakeReasonSchema.safeParse({ ...reason, extra: 1 }).success).toBe(false);
    expect(wakeReasonSchema.safeParse({ ...reason, detail: 'x'.repeat(501) }).success).toBe(false);
  });
});

describe('run records', () => {
  it('keeps money an exact decimal string', () => {
    const finished = { runId: 'run_1', member: 'writer', status: 'succeeded', steps: 2 };
    expect(runFinishedSchema.safeParse({ ...finished, cost: '0.0042' }).success).toBe(true);
    expect(runFinishedSchema.safeParse({ ...finished, cost: 0.0042 }).success).toBe(false);
    expect(runFinishedSchema.safeParse({ ...finished, cost: '1e-3' }).success).toBe(false);
  });

  it('numbers steps from zero and records the policy decision of a tool step', () => {
    const step = {
      runId: 'run_1',
      step: 0,
      kind: 'tool',
      tool: 'spend',
      decision: 'needs-approval',
    };
    expect(runStepSchema.parse(step).decision).toBe('needs-approval');
    expect(runStepSchema.safeParse({ ...step, step: -1 }).success).toBe(false);
    expect(runStepSchema.safeParse({ ...step, decision: 'maybe' }).success).toBe(false);
  });

  it('records the reasons a run started with', () => {
    const started = runStartedSchema.parse({
      runId: 'run_1',
      member: 'writer',
      reasons: [reason],
      resumed: false,
    });
    expect(started.reasons[0]?.kind).toBe('manual');
  });
});
