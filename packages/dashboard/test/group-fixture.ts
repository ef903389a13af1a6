/**
 * Test support: a copy of examples/newsletter-co owned by a fresh key, with real records
 * written through the packages' own APIs (ledger run API, policy approval queue).
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSigner, generateKeyPair, type Signer, writePrivateKeyFile } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { createApprovalQueue, createAuthority } from '@karnel/policy';
import {
  createRunExecutor,
  createRuntime,
  openOfflineDemo,
  openRuntimeParts,
  type RunOnceReport,
} from '@karnel/runtime';

/** The repository's newsletter-co example. */
export const example = fileURLToPath(new URL('../../../examples/newsletter-co', import.meta.url));

/** A group copy and its owner. */
export interface GroupFixture {
  readonly dir: string;
  readonly owner: Signer;
  readonly ownerKeyFile: string;
  readonly stranger: Signer;
}

/** Copies the example into a temp folder and makes a fresh key its owner. */
export async function copyGroup(): Promise<GroupFixture> {
  const root = await mkdtemp(join(tmpdir(), 'karnel-dashboard-'));
  const dir = join(root, 'newsletter-co');
  await cp(example, dir, { recursive: true });
  const ownerPair = generateKeyPair();
  const owner = createSigner(ownerPair.secretKey);
  const stranger = createSigner(generateKeyPair().secretKey);
  const ownerKeyFile = join(root, 'owner.key.json');
  await writePrivateKeyFile(ownerKeyFile, ownerPair);
  const manifest = await readFile(join(dir, 'manifest.yaml'), 'utf8');
  await writeFile(
    join(dir, 'manifest.yaml'),
    manifest.replace(/owner: "did:key:[^"]+"/, `owner: "${owner.did}"`),
  );
  return { dir, owner, ownerKeyFile, stranger };
}

/** Files an approval request as the runtime would, through the policy queue. */
export async function requestApproval(
  dir: string,
  {
    actor = 'writer',
    capability = 'publish:newsletter',
    action = { issue: 7, amount: '12.00' } as Record<string, unknown>,
    reason = 'publishing issue 7 needs the owner',
  }: {
    actor?: string;
    capability?: string;
    action?: Record<string, unknown>;
    reason?: string;
  } = {},
): Promise<string> {
  const ledger = await openLedger(join(dir, 'ledger'));
  try {
    const manifest = await readFile(join(dir, 'manifest.yaml'), 'utf8');
    const owner = manifest.match(/owner: "(did:key:[^"]+)"/)?.[1] as string;
    const authority = createAuthority({ dir, owner, ledger });
    const queue = createApprovalQueue({ dir, authority, ledger });
    const request = await queue.request({ actor, capability, action, reason });
    return request.id;
  } finally {
    await ledger.close();
  }
}

/** Starts a run with the ledger's run API, as the executor does. */
export async function startRun(dir: string, member: string, runId?: string): Promise<string> {
  const ledger = await openLedger(join(dir, 'ledger'));
  try {
    const started = await ledger.startRun({
      ...(runId ? { runId } : {}),
      manifest: {
        member,
        reasons: [{ kind: 'cadence', detail: 'weekly issue is due', at: new Date().toISOString() }],
        resumed: false,
        tier: 'fast-general',
      },
    });
    return started.runId;
  } finally {
    await ledger.close();
  }
}

/** Appends one model step and one tool step to a run. */
export async function appendSteps(dir: string, runId: string, from = 0): Promise<void> {
  const ledger = await openLedger(join(dir, 'ledger'));
  try {
    await ledger.appendStep(runId, {
      runId,
      step: from,
      kind: 'model',
      model: 'mock:model-v1',
      inputTokens: 1200,
      outputTokens: 340,
      cost: '0.0125',
    });
    await ledger.appendStep(runId, {
      runId,
      step: from + 1,
      kind: 'tool',
      tool: 'memory.search',
      argumentsHash: 'ab'.repeat(32),
      decision: 'allow',
      output: { hits: 2 },
    });
  } finally {
    await ledger.close();
  }
}

/** Parks a run on an approval request (a `run.parked` record). */
export async function parkRun(dir: string, runId: string, waitingOn: string): Promise<void> {
  const ledger = await openLedger(join(dir, 'ledger'));
  try {
    await ledger.append({
      type: 'run.parked',
      body: { runId, step: 2, waitingOn, why: 'publishing needs approval' },
    });
  } finally {
    await ledger.close();
  }
}

/** Finishes a run. */
export async function finishRun(
  dir: string,
  runId: string,
  member: string,
  status = 'succeeded',
): Promise<void> {
  const ledger = await openLedger(join(dir, 'ledger'));
  try {
    await ledger.finishRun(runId, { member, status, cost: '0.0125', steps: 2 });
  } finally {
    await ledger.close();
  }
}

/**
 * One pass of the real runtime (scheduler and run executor) over the group, playing the
 * example's offline demo: a scripted model, no network. Resumes runs whose approval was answered.
 */
export async function runtimePass(dir: string): Promise<RunOnceReport> {
  const parts = await openRuntimeParts(dir, { languageModels: await openOfflineDemo(dir) });
  try {
    const runtime = createRuntime({
      dir,
      executor: createRunExecutor(parts),
      ledger: parts.ledger,
      treasury: parts.treasury,
    });
    return await runtime.runOnce();
  } finally {
    await parts.close();
  }
}
