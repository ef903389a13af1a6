import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLedgerArchive, createMessage } from '@karnel/coordination';
import { openLedger } from '@karnel/ledger';
import { afterEach, describe, expect, it } from 'vitest';
import { copyExampleGroup } from './example-group.test-support';
import { openRuntimeParts } from './open-runtime-parts';
import { RuntimeOpenError } from './runtime-open-error';

const cleanup: string[] = [];
afterEach(async () => {
  for (const dir of cleanup.splice(0)) await rm(join(dir, '..'), { recursive: true, force: true });
});

async function group() {
  const copy = await copyExampleGroup();
  cleanup.push(copy.dir);
  return copy;
}

async function refusal(promise: Promise<unknown>): Promise<RuntimeOpenError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(RuntimeOpenError.isInstance(error)).toBe(true);
  return error as RuntimeOpenError;
}

describe('openRuntimeParts', () => {
  it("reads the messages' history again only when a message was sent, here or by another process", async () => {
    const { dir } = await group();
    const parts = await openRuntimeParts(dir, { machineTiersFile: false });
    try {
      const before = await parts.coordinator.history();
      expect(await parts.coordinator.history()).toBe(before);
      const info = createMessage({
        type: 'info',
        from: 'researcher',
        to: 'writer',
        payload: { text: 'a brief' },
      });
      await parts.coordinator.send(info);
      const sent = await parts.coordinator.history();
      expect(sent.map((message) => message.id)).toEqual([
        ...before.map((message) => message.id),
        info.id,
      ]);
      expect(await parts.coordinator.history()).toBe(sent);
      // Another process archives a message in the same ledger.
      const other = await openLedger(join(dir, 'ledger'));
      const elsewhere = createMessage({
        type: 'info',
        from: 'writer',
        to: 'critic',
        payload: { text: 'a draft' },
      });
      await createLedgerArchive({ ledger: other }).archive(elsewhere);
      await other.close();
      expect((await parts.coordinator.history()).map((message) => message.id)).toContain(
        elsewhere.id,
      );
    } finally {
      await parts.close();
    }
  });

  it('composes the example group from its directory with the defaults', async () => {
    const { dir } = await group();
    const parts = await openRuntimeParts(dir, { machineTiersFile: false });
    try {
      expect([...parts.members.keys()]).toEqual([
        'strategist',
        'researcher',
        'writer',
        'critic',
        'specialist_writer',
        'human_owner',
      ]);
      const writer = parts.members.get('writer');
      expect(writer).toMatchObject({
        kind: 'karnel-native',
        tier: 'fast-general',
        maxCostPerRun: 1,
      });
      expect(writer?.softConstraints).toContain('keep issues under 1,500 words');
      expect(parts.members.get('specialist_writer')?.kind).toBe('foreign');
      expect(
        parts.policy.decide({ actor: 'writer', capability: 'message.send:critic' }).effect,
      ).toBe('allow');
      const spent = { week: '0.00 USD', month: '0.00 USD' };
      expect(
        parts.policy.decide({ actor: 'writer', capability: 'spend', amount: '40.00 USD', spent })
          .effect,
      ).toBe('needs-approval');
      // Hard constraints are gates: the group's weekly budget, the strategist's own limit.
      expect(
        parts.policy.decide({
          actor: 'writer',
          capability: 'spend',
          amount: '10.00 USD',
          spent: { week: '45.00 USD', month: '45.00 USD' },
        }).effect,
      ).toBe('deny');
      expect(
        parts.policy.decide({
          actor: 'strategist',
          capability: 'spend',
          amount: '21.00 USD',
          spent,
        }).effect,
      ).toBe('needs-approval');
      expect(
        parts.policy.decide({ actor: 'writer', capability: 'spend', amount: '21.00 USD', spent })
          .effect,
      ).toBe('allow');
      expect(parts.policy.decide({ actor: 'writer', capability: 'publish' }).effect).toBe('deny');
      expect((await parts.treasury.config()).currency).toBe('USD');
      expect(parts.tiers.tiers['fast-general']?.map((candidate) => candidate.id)).toEqual([
        'ollama:qwen3:8b',
        'openai:gpt-5-mini',
      ]);
      expect(parts.coordinator.reviewChain.map((step) => step.actor)).toEqual([
        'writer',
        'critic',
        'strategist',
      ]);
      expect(parts.goalsFile).toBe(join(dir, 'goals', 'current.yaml'));
    } finally {
      await parts.close();
    }
  });

  it('refuses a group that does not validate, pointing at the line', async () => {
    const { dir } = await group();
    await writeFile(
      join(dir, 'members', 'writer.yaml'),
      'member:\n  role: "writer"\n  agent_kind: "robot"\n',
    );
    const error = await refusal(openRuntimeParts(dir, { machineTiersFile: false }));
    expect(error.part).toBe('group');
    const diagnostic = error.diagnostics.find((found) => found.file.endsWith('writer.yaml'));
    expect(diagnostic?.line).toBe(3);
    expect(error.message).toContain('writer.yaml:3:');
  });

  it('refuses an invalid policy file and an invalid tiers file with their positions', async () => {
    const { dir } = await group();
    await writeFile(
      join(dir, 'policy.yaml'),
      'karnel_policy_version: "0.1"\nrules:\n  - effect: sometimes\n    capability: spend\n',
    );
    const policy = await refusal(openRuntimeParts(dir, { machineTiersFile: false }));
    expect(policy.part).toBe('policy');
    expect(policy.diagnostics[0]).toMatchObject({ line: 3 });

    await rm(join(dir, 'policy.yaml'));
    await writeFile(join(dir, 'tiers.yaml'), 'tiers:\n  fast-general:\n    - model: 42\n');
    const tiers = await refusal(openRuntimeParts(dir, { machineTiersFile: false }));
    expect(tiers.part).toBe('tiers');
    expect(tiers.diagnostics[0]?.file).toContain('tiers.yaml');
  });

  it('refuses a missing directory and leaves nothing behind', async () => {
    const { dir } = await group();
    const error = await refusal(openRuntimeParts(join(dir, 'nope')));
    expect(error.part).toBe('group');
    expect(error.message).toContain('no such folder');
  });

  it('without a policy file denies every tool call', async () => {
    const { dir } = await group();
    await rm(join(dir, 'policy.yaml'));
    const parts = await openRuntimeParts(dir, { machineTiersFile: false });
    try {
      expect(parts.policy.decide({ actor: 'writer', capability: 'memory.read' }).effect).toBe(
        'deny',
      );
    } finally {
      await parts.close();
    }
  });
});
