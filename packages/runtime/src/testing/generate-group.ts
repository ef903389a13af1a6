import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createId } from '@karnel/core';

/** Options of {@link generateGroup}. */
export interface GenerateGroupOptions {
  /** How many agent members. Default 100. */
  readonly members?: number;
  /** Every member's cadence. Default `daily`. */
  readonly cadence?: string;
  /** Every member's `joined_at` (interval cadences count from here until a first run). Default now. */
  readonly joinedAt?: Date;
  /** Every member's `max_cost_per_run`, when set. */
  readonly maxCostPerRun?: string;
  /** A treasury with this weekly budget (USD), when set. */
  readonly budgetWeekly?: string;
  /** The owner's identity (`did:key:…`). Default: a fixed example identity whose key nobody holds. */
  readonly owner?: string;
}

const exampleOwner = 'did:key:z6MkoYnUk5HUfhRjZAopWen8d69MN5sZzXNtYPkfBwnchE3Y';

/** The role of generated member `index`: `agent_000`, `agent_001` … */
export function generatedRole(index: number): string {
  return `agent_${String(index).padStart(3, '0')}`;
}

/**
 * Writes a valid group of native agents into `dir` (which must exist): the group manifest, one
 * member file and one agent directory per member, a human owner for escalations, and an empty
 * ledger folder. For scheduler tests and benchmarks ("a hundred agents, nothing due").
 */
export async function generateGroup(
  dir: string,
  {
    members = 100,
    cadence = 'daily',
    joinedAt = new Date(),
    maxCostPerRun,
    budgetWeekly,
    owner = exampleOwner,
  }: GenerateGroupOptions = {},
): Promise<string[]> {
  const roles = Array.from({ length: members }, (_, index) => generatedRole(index));
  const created = joinedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  await mkdir(join(dir, 'members'), { recursive: true });
  await mkdir(join(dir, 'ledger'), { recursive: true });
  const entries = roles
    .map(
      (role) =>
        `  - role: "${role}"\n    agent_ref: "./members/${role}.yaml"\n    model_class: "bulk-cheap"\n`,
    )
    .join('');
  const components = `components:\n  ledger: "./ledger"\n${budgetWeekly ? '  treasury: "./treasury"\n' : ''}`;
  await writeFile(
    join(dir, 'manifest.yaml'),
    `karnel_spec_version: "0.2"
group:
  id: "${createId('grp')}"
  name: "generated-group"
  created_at: "${created}"
  owner: "${owner}"
  lifecycle: "work"
mission: "A generated group for scheduler tests."
members:
${entries}  - role: "human_owner"
    agent_kind: "human"
    contact: "owner@example.com"
    escalation_only: true
${components}`,
  );
  if (budgetWeekly) {
    await mkdir(join(dir, 'treasury'), { recursive: true });
    await writeFile(
      join(dir, 'treasury', 'balances.yaml'),
      `financial:\n  currency: USD\n  budget_weekly: ${budgetWeekly}\n`,
    );
  }
  for (const role of roles) {
    const agentDir = join(dir, 'agents', role);
    await mkdir(agentDir, { recursive: true });
    await writeFile(
      join(agentDir, 'manifest.yaml'),
      `karnel_spec_version: "0.2"
agent:
  id: "${createId('agt')}"
  name: "${role.replace(/_/g, '-')}"
  created_at: "${created}"
  owner: "${owner}"
  agent_kind: "karnel-native"
purpose: "Generated member ${role}."
runtime_requirements:
  model_class: "bulk-cheap"
`,
    );
    await writeFile(
      join(dir, 'members', `${role}.yaml`),
      `member:
  role: "${role}"
  agent_kind: "karnel-native"
  agent_ref:
    location: "./agents/${role}/"
  membership:
    joined_at: "${created}"
    contract:
      cadence: "${cadence}"
${maxCostPerRun ? `      max_cost_per_run: ${maxCostPerRun}\n` : ''}`,
    );
  }
  return roles;
}
