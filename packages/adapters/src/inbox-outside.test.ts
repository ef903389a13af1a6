import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage } from '@karnel/coordination';
import { createId } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInbox } from './inbox';

const SECRET = 'SECRET-KEY-MATERIAL-5d0e';

describe('an inbox file swapped for a symlink out of the group', () => {
  let base: string;
  let groupDir: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'karnel-inbox-outside-'));
    groupDir = join(base, 'group');
    await mkdir(groupDir);
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('a reply leading outside is inbox/invalid, naming it; its text is never read', async () => {
    const inbox = openInbox(groupDir);
    const message = createMessage({
      type: 'task',
      from: 'lead',
      to: 'editor',
      payload: { title: 'Proofread issue 12' },
    });
    await inbox.deliver('editor', createId('run'), message);
    await inbox.reply({ messageId: message.id, summary: 'looks good' });
    const replyFile = join(groupDir, 'inbox', 'editor', `${message.id}.reply.json`);
    const moved = join(base, 'reply.json');
    await rename(replyFile, moved);
    await writeFile(moved, JSON.stringify({ summary: SECRET }));
    await symlink(moved, replyFile);
    const error = await inbox.show(message.id).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'inbox/invalid' });
    expect((error as Error).message).toContain(
      `"inbox/editor/${message.id}.reply.json" leads outside`,
    );
    expect((error as Error).message).not.toContain(SECRET);
  });

  it('an item file linked to another place inside the group still reads', async () => {
    const inbox = openInbox(groupDir);
    const message = createMessage({
      type: 'info',
      from: 'lead',
      to: 'editor',
      payload: { text: 'fyi' },
    });
    await inbox.deliver('editor', createId('run'), message);
    const item = join(groupDir, 'inbox', 'editor', `${message.id}.json`);
    await rename(item, join(groupDir, 'kept.json'));
    await symlink(join(groupDir, 'kept.json'), item);
    expect((await inbox.show(message.id)).message.id).toBe(message.id);
  });
});
