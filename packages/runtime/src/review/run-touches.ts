import { join } from 'node:path';
import { pathKind, readFileInside } from '@karnel/core';
import { readLedgerEntries } from '@karnel/ledger';

/** What a run did to skills and memory, as its ledger records show. */
export interface RunTouches {
  /** Skills the run used, by name, with how many times. */
  readonly skills: ReadonlyMap<string, number>;
  /** Whether the run read or wrote memory. */
  readonly memory: boolean;
}

/** The run-loop tools that count as using a skill or touching memory. */
const SKILL_TOOLS = new Set(['use_skill', 'run_skill']);
const MEMORY_TOOLS = new Set(['remember', 'search_memory', 'memory_add', 'memory_search']);

function skillName(step: Record<string, unknown>): string | undefined {
  for (const key of ['output', 'input', 'arguments']) {
    const value = step[key];
    if (
      value &&
      typeof value === 'object' &&
      typeof (value as { name?: unknown }).name === 'string'
    )
      return (value as { name: string }).name;
  }
  return undefined;
}

/**
 * Reads what run `runId` did to skills and memory from the ledger: its steps
 * (`runs/<id>/steps.jsonl`: tool steps `use_skill` / `run_skill` and the memory tools) and the
 * workers' `skill.run_started` records of the run. Never from a file the run could edit.
 */
export async function readRunTouches(ledgerDir: string, runId: string): Promise<RunTouches> {
  const skills = new Map<string, number>();
  let memory = false;
  const count = (name: string) => skills.set(name, (skills.get(name) ?? 0) + 1);
  if ((await pathKind(join(ledgerDir, 'chain.jsonl'))) !== 'file') return { skills, memory };
  let stepsFile: string | undefined;
  for await (const entry of readLedgerEntries(ledgerDir)) {
    if (entry.body.runId !== runId && entry.body.run_id !== runId) continue;
    if (entry.type === 'skill.run_started' && typeof entry.body.skill === 'string')
      count(entry.body.skill);
    const steps = entry.files.find((file) => file.path === `runs/${runId}/steps.jsonl`);
    if (steps) stepsFile = steps.path;
  }
  if (stepsFile) {
    // The chain committed these bytes (readLedgerEntries checked the chain; verifyLedger the files).
    // Inside the ledger folder only: a steps file linked elsewhere is refused, never read.
    const text = (await readFileInside(ledgerDir, join(ledgerDir, stepsFile))).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let step: Record<string, unknown>;
      try {
        step = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const tool = typeof step.tool === 'string' ? step.tool : undefined;
      if (tool && SKILL_TOOLS.has(tool) && step.error === undefined) {
        const name = skillName(step);
        if (name) count(name);
      }
      if (tool && MEMORY_TOOLS.has(tool)) memory = true;
    }
  }
  return { skills, memory };
}
