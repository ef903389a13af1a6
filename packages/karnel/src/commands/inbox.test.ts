import { join } from 'node:path';
import { loadMemberAdapter, openInbox } from '@karnel/adapters';
import { createMessage } from '@karnel/coordination';
import { createId, publicKeyToDid } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { copyExample, runKarnel, useTempDir, writeKeyFile } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});

function task(title: string) {
  return createMessage({ type: 'task', from: 'editor_in_chief', to: 'owner', payload: { title } });
}

describe('karnel inbox', () => {
  it('lists, shows and answers a message once; refuses unknown and answered ones', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const message = task('Approve the \u001b[31mred\u001b[0m headline');
    await openInbox(group).deliver('owner', createId('run'), message);

    const listed = await runKarnel(['inbox', 'list', group]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${message.id}  pending   owner  task  from editor_in_chief`);
    expect(listed.stdout).not.toContain('\u001b');
    expect(listed.stdout).toContain('\\x1b[31mred');

    const shown = await runKarnel(['inbox', 'show', group, message.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('status:    pending');
    expect(shown.stdout).not.toContain('\u001b');

    const replied = await runKarnel(['inbox', 'reply', group, message.id, '-m', 'approved']);
    expect(replied).toMatchObject({ code: 0, stderr: '' });
    expect(replied.stdout.trim()).toBe(`answered ${message.id} as owner (completed)`);
    expect((await openInbox(group).show(message.id)).reply?.summary).toBe('approved');

    const again = await runKarnel(['inbox', 'reply', group, message.id, '-m', 'twice']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      new RegExp(`^error: message ${message.id} was already answered at `),
    );

    const unknown = createId('msg');
    const missing = await runKarnel(['inbox', 'reply', group, unknown, '-m', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`error: no message "${unknown}" in the inbox`);

    const pending = await runKarnel(['inbox', 'list', group, '--pending', '--format', 'json']);
    expect(JSON.parse(pending.stdout)).toEqual([]);
  });

  it('wakes the invocation waiting on the person when karnel inbox reply answers it', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    // human_owner is declared inline in the example's manifest.yaml, escalation_only.
    const { adapter, diagnostics } = await loadMemberAdapter(group, 'human_owner');
    expect(diagnostics).toEqual([]);
    const escalation = createMessage({
      type: 'escalation',
      from: 'strategist',
      to: 'human_owner',
      payload: {
        condition: 'critic_rejection_3x',
        reason: 'the critic rejected issue 12 three times',
      },
    });
    const running = adapter!.invoke(escalation, { runId: createId('run') });
    while ((await openInbox(group).list('human_owner')).length === 0)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const replied = await runKarnel([
      'inbox',
      'reply',
      group,
      escalation.id,
      '-m',
      'publish the second draft',
    ]);
    expect(replied).toMatchObject({ code: 0, stderr: '' });
    expect(await running).toMatchObject({
      status: 'completed',
      summary: 'publish the second draft',
    });
  });

  it('signs the reply when the member declares a key, and refuses to answer unsigned', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const keyFile = join(dir, 'owner.key');
    const pair = await writeKeyFile(keyFile);
    const did = publicKeyToDid(pair.publicKey);
    const message = task('Sign this');
    await openInbox(group).deliver('owner', createId('run'), message, { replyKey: did });

    const unsigned = await runKarnel(['inbox', 'reply', group, message.id, '-m', 'ok']);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain('this command signs: pass --key <file>');

    const signed = await runKarnel([
      'inbox',
      'reply',
      group,
      message.id,
      '-m',
      'ok',
      '-k',
      keyFile,
    ]);
    expect(signed.code).toBe(0);
    expect(signed.stdout.trim()).toBe(
      `answered ${message.id} as owner (completed), signed by ${did}`,
    );
  });

  it('refuses a folder that is not a group, and an unknown status', async () => {
    const notGroup = await runKarnel(['inbox', 'list', join(dir, 'nowhere')]);
    expect(notGroup.code).toBe(1);
    expect(notGroup.stderr).toContain('is not a group directory (no manifest.yaml)');
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const status = await runKarnel([
      'inbox',
      'reply',
      group,
      createId('msg'),
      '-m',
      'x',
      '-s',
      'great',
    ]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('unknown status "great"');
  });
});
