import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessage } from '@karnel/coordination';
import { createId, createSigner, generateKeyPair } from '@karnel/core';
import { createApprovalQueue, createAuthority } from '@karnel/policy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type FakeHermes, startFakeHermes } from '../test/fake-hermes';
import { createFakeHermesCli, type FakeHermesCli } from '../test/fake-hermes-cli';
import { openInbox } from './inbox';
import { createWebhookNotifier } from './inbox-notifier';
import { loadMemberAdapter } from './load-member-adapter';
import { createMemoryLedger } from './testing';

const owner = createSigner(generateKeyPair().secretKey);
const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));

// The examples are copied, so that a person's inbox folder is made in the copy, not in the repo.
let folder: string;
let newsletter: string;
let maintainers: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'karnel-adapters-examples-'));
  newsletter = join(folder, 'newsletter-co');
  maintainers = join(folder, 'oss-maintainers');
  await cp(join(examples, 'newsletter-co'), newsletter, { recursive: true });
  await cp(join(examples, 'oss-maintainers'), maintainers, { recursive: true });
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A loopback webhook receiver standing in for a person's notification channel. */
async function startWebhook(): Promise<{ url: string; notices: unknown[]; server: Server }> {
  const notices: unknown[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    notices.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/notify`, notices, server };
}

describe('loadMemberAdapter on the examples: every foreign member checks green', () => {
  let hermes: FakeHermes | undefined;
  let webhook: Server | undefined;
  afterEach(async () => {
    await hermes?.close();
    webhook?.close();
    hermes = undefined;
    webhook = undefined;
  });

  it('newsletter-co specialist_writer (hermes): its key by reference from the member file', async () => {
    hermes = await startFakeHermes();
    const loaded = await loadMemberAdapter(newsletter, 'specialist_writer', {
      endpoint: hermes.url,
      environment: { HERMES_API_KEY: API_KEY },
      approvals: createApprovalQueue({
        dir: await mkdtemp(join(folder, 'queue-')),
        authority: createAuthority({ dir: folder, owner: owner.did }),
        ledger: createMemoryLedger(),
      }),
    });
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.adapter).toMatchObject({ type: 'hermes', taskClasses: ['long_form_feature'] });
    const report = await loaded.adapter!.check();
    expect(report).toMatchObject({ status: 'pass' });
    expect(report.checks.map((check) => check.code)).toEqual([
      'hermes/api-key',
      'hermes/health',
      'hermes/capabilities',
    ]);
    // Without the key on this machine, the check says so.
    const keyless = await loadMemberAdapter(newsletter, 'specialist_writer', {
      endpoint: hermes.url,
      environment: {},
    });
    expect((await keyless.adapter!.check()).checks[0]).toMatchObject({
      code: 'hermes/api-key',
      level: 'fail',
    });
  });

  it('oss-maintainers ci_runner (subprocess) checks green and runs its tests in the sandbox', async () => {
    const loaded = await loadMemberAdapter(maintainers, 'ci_runner');
    expect(loaded.diagnostics).toEqual([]);
    const report = await loaded.adapter!.check();
    expect(report.status).toBe('pass');
    expect(report.checks.map((check) => [check.code, check.level])).toEqual([
      ['subprocess/command', 'pass'],
      ['subprocess/sandbox', 'pass'],
    ]);
    const outcome = await loaded.adapter!.invoke(
      createMessage({
        type: 'task',
        from: 'reviewer',
        to: 'ci_runner',
        payload: { title: 'Run the suite on #231', task_class: 'test_suite' },
      }),
      { runId: createId('run') },
    );
    expect(outcome).toMatchObject({
      status: 'completed',
      summary: '2 passed, 0 failed',
      outputs: { verdict: 'approve', passed: 2, failed: 0, failures: [] },
    });
  });

  it('the human members of both examples (inline in manifest.yaml) check green with a channel', async () => {
    const receiver = await startWebhook();
    webhook = receiver.server;
    const notifiers = [createWebhookNotifier({ url: receiver.url })];
    for (const [group, role] of [
      [newsletter, 'human_owner'],
      [maintainers, 'maintainer'],
    ] as const) {
      const loaded = await loadMemberAdapter(group, role, { notifiers });
      expect(loaded.diagnostics).toEqual([]);
      expect(loaded.adapter).toMatchObject({ type: 'human', role });
      const report = await loaded.adapter!.check();
      expect(report.checks.map((check) => [check.code, check.level])).toEqual([
        ['human/inbox', 'pass'],
        ['human/notify', 'pass'],
      ]);
    }
    // human_owner is escalation_only: a task is declined without reaching the inbox.
    const owner = await loadMemberAdapter(newsletter, 'human_owner', { notifiers });
    const declined = await owner.adapter!.invoke(
      createMessage({
        type: 'task',
        from: 'strategist',
        to: 'human_owner',
        payload: { title: 'Proofread' },
      }),
      { runId: createId('run') },
    );
    expect(declined.status).toBe('declined');
    expect(receiver.notices).toEqual([]);
    expect(await openInbox(newsletter).list('human_owner')).toEqual([]);
  });

  it('says why a native member has no adapter, and fails check() for a server that is down', async () => {
    const native = await loadMemberAdapter(newsletter, 'writer');
    expect(native.adapter).toBeUndefined();
    expect(native.diagnostics[0]).toMatchObject({ code: 'adapter/not-foreign' });
    const missing = await loadMemberAdapter(newsletter, 'nobody');
    expect(missing.adapter).toBeUndefined();
    expect(missing.diagnostics[0]).toMatchObject({ code: 'file/missing', severity: 'error' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await loadMemberAdapter(newsletter, 'specialist_writer', {
      endpoint: `http://127.0.0.1:${port}`,
      environment: { HERMES_API_KEY: API_KEY },
    });
    const report = await down.adapter!.check();
    expect(report.status).toBe('fail');
    expect(report.checks[1]).toMatchObject({ code: 'hermes/health', level: 'fail' });
  });
});

describe('loadMemberAdapter on member files of every Annex B shape', () => {
  let group: string;
  let fake: FakeHermesCli;
  beforeAll(async () => {
    group = await mkdtemp(join(tmpdir(), 'karnel-adapters-members-'));
    await mkdir(join(group, 'members'));
    fake = await createFakeHermesCli();
  });
  afterAll(async () => {
    await rm(group, { recursive: true, force: true });
    await fake.close();
  });

  async function member(role: string, body: string) {
    await writeFile(
      join(group, 'members', `${role}.yaml`),
      `member:\n  role: "${role}"\n${body}  membership:\n    joined_at: "2026-05-10T09:00:00Z"\n`,
    );
  }

  it('runs the hermes command line for a hermes member without an endpoint', async () => {
    await member(
      'cli_writer',
      `  agent_kind: "foreign"
  adapter:
    type: "hermes"
    skill_to_invoke: "long-form-writer"
    timeouts: { attempt_ms: 60000 }
    hermes: { session: "sess_from_file" }
`,
    );
    const ledger = createMemoryLedger();
    const loaded = await loadMemberAdapter(group, 'cli_writer', {
      ledger,
      environment: { PATH: fake.path },
    });
    expect(loaded.diagnostics).toEqual([]);
    expect((await loaded.adapter!.check()).checks[0]).toMatchObject({
      code: 'hermes/cli',
      level: 'pass',
    });
    const runId = createId('run');
    const outcome = await loaded.adapter!.invoke(
      createMessage({ type: 'task', from: 'editor', to: 'cli_writer', payload: { title: 'x' } }),
      { runId },
    );
    expect(outcome).toMatchObject({ status: 'completed', foreignRunId: 'sess_from_file' });
    const call = (await fake.calls()).find((entry) => entry.run_id === runId);
    expect(call?.args.slice(3)).toEqual([
      '-Q',
      '--source',
      'karnel',
      '--resume',
      'sess_from_file',
      '--skills',
      'long-form-writer',
    ]);
  });

  it('creates a person with declared channels; a command channel runs only where allowed', async () => {
    await member(
      'editor',
      `  agent_kind: "human"
  contact: "editor@example.org"
  notifications:
    - { type: "webhook", url: "http://127.0.0.1:9/notify" }
    - { type: "command", command: "notify-send" }
`,
    );
    const plain = await loadMemberAdapter(group, 'editor');
    expect(plain.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['adapter/command-not-allowed', 'warning'],
    ]);
    expect((await plain.adapter!.check()).checks[1]?.message).toBe('editor is notified by webhook');
    const allowed = await loadMemberAdapter(group, 'editor', { allowCommandNotifiers: true });
    expect(allowed.diagnostics).toEqual([]);
    expect((await allowed.adapter!.check()).checks[1]?.message).toBe(
      'editor is notified by webhook, command',
    );
  });

  it('gives no adapter for a member file holding a secret, and says where', async () => {
    await member(
      'leaky',
      `  agent_kind: "foreign"
  adapter:
    type: "http"
    endpoint: "https://svc.example.org/invoke"
    auth:
      signing_key: "c2VjcmV0LWtleS1ub3QtYS1yZWZlcmVuY2U="
`,
    );
    const loaded = await loadMemberAdapter(group, 'leaky');
    expect(loaded.adapter).toBeUndefined();
    expect(loaded.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([
      ['adapter/secret-value', join(group, 'members', 'leaky.yaml'), 8, 20],
    ]);
  });
});
