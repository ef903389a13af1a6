import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage, type Message } from '@karnel/coordination';
import { createId, createSigner, generateKeyPair } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHumanAdapter } from './human-adapter';
import { type InboxReply, openInbox, verifyInboxReply } from './inbox';
import { createCommandNotifier, createWebhookNotifier, type InboxNotice } from './inbox-notifier';
import { createMemoryLedger, runAdapterConformance } from './testing';

/** Answers `messageId` as the person would, once it is in the inbox. */
async function answerWhenDelivered(groupDir: string, messageId: string, summary: string) {
  const inbox = openInbox(groupDir);
  for (;;) {
    const items = await inbox.list();
    if (items.some((item) => item.message.id === messageId)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return inbox.reply({ messageId, summary });
}

runAdapterConformance({
  name: 'createHumanAdapter',
  async setup({ ledger, taskClass }) {
    const groupDir = await mkdtemp(join(tmpdir(), 'karnel-adapters-human-'));
    const notices: InboxNotice[] = [];
    return {
      adapter: createHumanAdapter({
        role: 'editor',
        groupDir,
        taskClasses: [taskClass],
        ledger,
        pollIntervalMs: 20,
        notifiers: [{ name: 'recording', notify: async (notice) => void notices.push(notice) }],
      }),
      workDone: async (runId) => notices.filter((notice) => notice.run_id === runId).length,
      answer: async (_runId, message: Message) => {
        await answerWhenDelivered(groupDir, message.id, 'done by hand');
      },
      close: () => rm(groupDir, { recursive: true, force: true }),
    };
  },
});

describe('createHumanAdapter', () => {
  let groupDir: string;
  beforeEach(async () => {
    groupDir = await mkdtemp(join(tmpdir(), 'karnel-adapters-human-'));
  });
  afterEach(async () => {
    await rm(groupDir, { recursive: true, force: true });
  });

  const task = () =>
    createMessage({
      type: 'task',
      from: 'lead',
      to: 'editor',
      payload: { title: 'Proofread issue 12' },
    });

  it("writes the message to the inbox and resolves with the person's reply", async () => {
    const ledger = createMemoryLedger();
    const adapter = createHumanAdapter({ role: 'editor', groupDir, ledger, pollIntervalMs: 20 });
    const message = task();
    const runId = createId('run');
    const [outcome] = await Promise.all([
      adapter.invoke(message, { runId }),
      answerWhenDelivered(groupDir, message.id, 'looks good'),
    ]);
    expect(outcome).toMatchObject({ runId, status: 'completed', summary: 'looks good' });
    const stored = JSON.parse(
      await readFile(join(groupDir, 'inbox', 'editor', `${message.id}.json`), 'utf8'),
    );
    expect(stored).toMatchObject({ role: 'editor', run_id: runId, message: { id: message.id } });
  });

  it('refuses a reply to an unknown message and a second reply', async () => {
    const inbox = openInbox(groupDir);
    await expect(inbox.reply({ messageId: createId('msg'), summary: 'x' })).rejects.toThrow(
      /^no message "msg_[0-9A-Z]+" in the inbox$/,
    );
    const message = task();
    await inbox.deliver('editor', createId('run'), message);
    await inbox.reply({ messageId: message.id, summary: 'first' });
    await expect(inbox.reply({ messageId: message.id, summary: 'second' })).rejects.toMatchObject({
      code: 'inbox/already-answered',
    });
    const replies = await Promise.allSettled(
      [1, 2, 3].map(async (index) => {
        const other = task();
        await inbox.deliver('editor', createId('run'), other);
        return Promise.allSettled([
          inbox.reply({ messageId: other.id, summary: `a${index}` }),
          inbox.reply({ messageId: other.id, summary: `b${index}` }),
        ]);
      }),
    );
    for (const settled of replies) {
      const pair = (settled as PromiseFulfilledResult<PromiseSettledResult<InboxReply>[]>).value;
      expect(pair.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    }
  });

  it('accepts only replies signed by the declared key', async () => {
    const person = createSigner(generateKeyPair().secretKey);
    const stranger = createSigner(generateKeyPair().secretKey);
    const adapter = createHumanAdapter({
      role: 'editor',
      groupDir,
      publicKey: person.did,
      pollIntervalMs: 20,
    });
    const message = task();
    const runId = createId('run');
    const running = adapter.invoke(message, { runId });
    const inbox = openInbox(groupDir);
    for (;;) {
      if ((await inbox.list('editor')).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await expect(inbox.reply({ messageId: message.id, summary: 'unsigned' })).rejects.toMatchObject(
      {
        code: 'inbox/unsigned',
      },
    );
    await expect(
      inbox.reply({ messageId: message.id, summary: 'x', signer: stranger }),
    ).rejects.toMatchObject({ code: 'inbox/wrong-key' });
    const reply = await inbox.reply({ messageId: message.id, summary: 'signed', signer: person });
    expect(verifyInboxReply(reply, person.did)).toBe(true);
    expect(verifyInboxReply({ ...reply, summary: 'forged' }, person.did)).toBe(false);
    expect(await running).toMatchObject({ status: 'completed', summary: 'signed' });
  });

  it('gives an escalation-only person escalations only', async () => {
    const adapter = createHumanAdapter({ role: 'owner', groupDir, escalationOnly: true });
    const outcome = await adapter.invoke(task(), { runId: createId('run') });
    expect(outcome).toMatchObject({
      status: 'declined',
      summary: 'owner only receives escalations, not a task',
    });
    expect(await openInbox(groupDir).list()).toEqual([]);
    const escalation = createMessage({
      type: 'escalation',
      from: 'lead',
      to: 'owner',
      payload: { condition: 'budget_exceeded', reason: 'spent 120% of the weekly budget' },
    });
    const runId = createId('run');
    const running = adapter.invoke(escalation, { runId });
    for (;;) {
      if ((await openInbox(groupDir).list('owner')).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await adapter.cancel(runId)).toBe(true);
    expect((await running).status).toBe('cancelled');
  });

  it('notifies through a webhook and a local command, and records a failed channel', async () => {
    const received: unknown[] = [];
    const server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const noted = join(groupDir, 'noted.json');
      const ledger = createMemoryLedger();
      const adapter = createHumanAdapter({
        role: 'editor',
        groupDir,
        ledger,
        pollIntervalMs: 20,
        notifiers: [
          createWebhookNotifier({ url: `http://127.0.0.1:${port}/hook` }),
          createCommandNotifier({
            command: process.execPath,
            args: [
              '-e',
              `require('fs').writeFileSync(${JSON.stringify(noted)}, require('fs').readFileSync(0))`,
            ],
          }),
          createCommandNotifier({ command: process.execPath, args: ['-e', 'process.exit(3)'] }),
        ],
      });
      const message = task();
      const runId = createId('run');
      await Promise.all([
        adapter.invoke(message, { runId }),
        answerWhenDelivered(groupDir, message.id, 'ok'),
      ]);
      const notice = {
        role: 'editor',
        message_id: message.id,
        type: 'task',
        title: 'Proofread issue 12',
        run_id: runId,
      };
      expect(received).toEqual([notice]);
      expect(JSON.parse(await readFile(noted, 'utf8'))).toEqual(notice);
      const progress = ledger.records
        .filter((record) => record.type === 'adapter.progress')
        .map((record) => [record.body.event, record.body.channel]);
      expect(progress).toEqual([
        ['notified', 'webhook'],
        ['notified', 'command'],
        ['notify-failed', 'command'],
      ]);
    } finally {
      server.close();
    }
  });
});
