// Validating a group of 100 agents (group manifest, 100 member files, 100 agent manifests and
// their component folders) against only parsing the same 201 YAML files with `yaml`.
// The validator's overhead over parsing is the figure.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createId, createSigner, generateKeyPair } from '@karnel/core';
import { validateGroupDir } from '@karnel/manifest';
import { validatePaths } from 'karnel';
import { parse, parseDocument } from 'yaml';

const AGENTS = 100;
const ROUNDS = 7;
const owner = createSigner(generateKeyPair().secretKey).did;
const tiers = ['frontier-reasoning', 'fast-general', 'bulk-cheap', 'local-private'];

async function generateGroup(root) {
  const files = [];
  const write = async (path, text) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
    if (path.endsWith('.yaml')) files.push(join(root, path));
  };
  const members = [];
  for (let index = 0; index < AGENTS; index++) {
    const role = `agent_${String(index).padStart(3, '0')}`;
    const tier = tiers[index % tiers.length];
    members.push(
      `  - role: "${role}"\n    agent_ref: "./members/${role}.yaml"\n    cadence: "daily"\n    model_class: "${tier}"`,
    );
    await write(
      `members/${role}.yaml`,
      `member:\n  role: "${role}"\n  agent_kind: "karnel-native"\n  agent_ref:\n    location: "./agents/${role}/"\n  membership:\n    joined_at: "2026-05-03T10:05:00Z"\n    contract:\n      cadence: "daily"\n      task_class: "task_${index % 7}"\n      max_cost_per_run: 0.25\n`,
    );
    await write(
      `agents/${role}/manifest.yaml`,
      `karnel_spec_version: "0.2"\nagent:\n  id: "${createId('agt')}"\n  name: "${role}"\n  created_at: "2026-05-03T10:00:00Z"\n  owner: "${owner}"\n  agent_kind: "karnel-native"\npurpose: |\n  Agent number ${index} of the benchmark group; it researches, drafts and reviews\n  whatever the strategist dispatches to it.\ncapabilities_declared:\n  - "research_synthesis"\n  - "drafting"\nconstraints:\n  hard:\n    - "never publish without critic approval"\n  soft:\n    - "prefer primary sources"\nruntime_requirements:\n  model_class: "${tier}"\n  tools_required:\n    - "memory_access"\n    - "ledger_write"\n  scheduler: "daily_cron"\ncomponents:\n  memory: "./memory"\n  skills: "./skills"\n  ledger: "./ledger"\n`,
    );
    for (const folder of ['memory', 'skills', 'ledger'])
      await mkdir(join(root, 'agents', role, folder), { recursive: true });
  }
  members.push(
    '  - role: "human_owner"\n    agent_kind: "human"\n    contact: "owner@example.com"\n    escalation_only: true',
  );
  await write(
    'manifest.yaml',
    `karnel_spec_version: "0.2"\ngroup:\n  id: "${createId('grp')}"\n  name: "bench-co"\n  created_at: "2026-05-03T10:00:00Z"\n  owner: "${owner}"\n  lifecycle: "work"\nmission: "Benchmark the validator."\nmembers:\n${members.join('\n')}\n`,
  );
  return files;
}

async function time(fn) {
  const samples = [];
  for (let round = 0; round < ROUNDS + 2; round++) {
    globalThis.gc?.();
    const start = process.hrtime.bigint();
    await fn();
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (round >= 2) samples.push(elapsed);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const root = await mkdtemp(join(tmpdir(), 'karnel-bench-'));
try {
  const files = await generateGroup(root);
  const check = await validateGroupDir(root);
  if (!check.valid || check.agents.length !== AGENTS)
    throw new Error(
      `generated group is not valid: ${JSON.stringify(check.diagnostics.slice(0, 3))}`,
    );

  const parseOnly = await time(async () => {
    for (const file of files) parse(await readFile(file, 'utf8'));
  });
  const parseConcurrent = await time(() =>
    Promise.all(files.map(async (file) => parse(await readFile(file, 'utf8')))),
  );
  const parseWithPositions = await time(async () => {
    for (const file of files)
      parseDocument(await readFile(file, 'utf8'), { keepSourceTokens: false }).toJS();
  });
  const validate = await time(() => validateGroupDir(root));
  const everyCheck = await time(() => validatePaths([root]));

  const line = (label, ms) => console.log(`${label.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms`);
  console.log(`group of ${AGENTS} agents: ${files.length} YAML files, median of ${ROUNDS} rounds`);
  line('baseline: read + yaml.parse every file', parseOnly);
  line('baseline: read + yaml.parse, all files concurrently', parseConcurrent);
  line('baseline: read + yaml.parseDocument (with positions)', parseWithPositions);
  line('validateGroupDir (@karnel/manifest)', validate);
  line('validatePaths (karnel validate: manifests + every check)', everyCheck);
  console.log(
    `manifest validation overhead over parse-only: ${(validate / parseOnly).toFixed(2)}x (${(validate - parseOnly).toFixed(1)} ms, ${((validate - parseOnly) / files.length).toFixed(3)} ms per file)`,
  );
  console.log(
    `manifest validation over concurrent parse-only: ${(validate / parseConcurrent).toFixed(2)}x (the validator also reads files concurrently)`,
  );
  console.log(`full karnel validate over parse-only: ${(everyCheck / parseOnly).toFixed(2)}x`);
} finally {
  await rm(root, { recursive: true, force: true });
}
