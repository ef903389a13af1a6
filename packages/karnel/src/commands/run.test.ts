import { join } from 'node:path';
import { openLedger } from '@karnel/ledger';
import { createRuntime, createScriptedExecutor, generateGroup } from '@karnel/runtime';
import { describe, expect, it } from 'vitest';
import { copyExample, runKarnel, useTempDir } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});

describe('karnel run, status, wake, runs', () => {
  it('prints what would wake and why in a dry run, and takes a manual wake', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const dry = await runKarnel(['run', group, '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toContain('researcher         due now: cadence daily, never run');
    expect(dry.stdout).toContain('critic             waits for messages or a manual wake');
    expect(dry.stdout.trim().split('\n').at(-1)).toBe(
      '3 of 5 members would wake now (dry run: nothing was started)',
    );

    const woken = await runKarnel(['wake', group, 'critic', '--reason', 'review \u001b[31mdraft']);
    expect(woken.code).toBe(1);
    expect(woken.stderr).toContain('without control characters');
    expect(woken.stderr).not.toContain('\u001b');
    const wake = await runKarnel(['wake', group, 'critic', '--reason', 'review draft 12']);
    expect(wake).toMatchObject({ code: 0, stderr: '' });
    expect(wake.stdout).toContain(
      'wake requested for critic: review draft 12; no runtime is running',
    );
    const unknown = await runKarnel(['wake', group, 'editor', '--reason', 'x']);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr.trim()).toBe(
      'error: "editor" is not a member of this group; members: strategist, researcher, writer, critic, specialist_writer',
    );
    const status = await runKarnel(['status', group]);
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toContain('  critic             due now: asked: review draft 12');
    expect(status.stdout).toContain('runtime  not running');
    expect(status.stdout).toMatch(
      /week of \d{4}-\d{2}-\d{2}: spent 0\.00, reserved 0\.00, remaining 50\.00/,
    );
    const json = JSON.parse((await runKarnel(['status', group, '--format', 'json'])).stdout);
    expect(
      json.members.find((member: { member: string }) => member.member === 'critic').due[0],
    ).toMatchObject({
      kind: 'manual',
      detail: 'review draft 12',
    });
  });

  it('refuses a group that does not validate, printing the diagnostics, and bad options', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const { readFile, writeFile } = await import('node:fs/promises');
    const file = join(group, 'members', 'researcher.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"daily"', '"dayly"'));
    const refused = await runKarnel(['run', group, '--once']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      'members/researcher.yaml:10:16: error member/unknown-cadence: unknown cadence "dayly" (did you mean "daily"?)',
    );
    expect(refused.stderr.trim()).toBe(
      `error: ${group} does not validate; the runtime will not start`,
    );
    expect((await runKarnel(['run', group, '--once', '--dry-run'])).code).toBe(2);
    expect((await runKarnel(['run', group, '--until', 'later'])).code).toBe(2);
    const missing = await runKarnel(['status', join(dir, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('is not a group directory (no such folder)');
  });

  it('refuses a second runtime on the same group, naming the one that holds it', async () => {
    await generateGroup(dir, { members: 2, cadence: 'on_demand' });
    const ledger = await openLedger(join(dir, 'ledger'));
    const runtime = createRuntime({ dir, executor: createScriptedExecutor({ ledger }), ledger });
    await runtime.start();
    try {
      const second = await runKarnel(['run', dir, '--once']);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `^error: another runtime is running .*: pid ${process.pid} on .* holds its lease until `,
        ),
      );
      const status = await runKarnel(['status', dir]);
      expect(status.stdout).toContain(`runtime  pid ${process.pid} on `);
    } finally {
      await runtime.stop();
      await ledger.close();
    }
  });

  it('lists runs and shows one: summary, steps, raw entries', async () => {
    await generateGroup(dir, { members: 2, cadence: 'on_demand' });
    const ledger = await openLedger(join(dir, 'ledger'));
    const executor = createScriptedExecutor({
      ledger,
      script: (ticket) =>
        ticket.member === 'agent_001'
          ? { status: 'failed', error: 'bad \u001b]0;title\u0007 tool' }
          : {},
    });
    try {
      await ledger.append({
        type: 'wake.requested',
        body: {
          member: 'agent_000',
          reason: { kind: 'manual', detail: 'go', at: '2026-12-06T10:00:00Z' },
        },
      });
      await ledger.append({
        type: 'wake.requested',
        body: {
          member: 'agent_001',
          reason: { kind: 'manual', detail: 'go', at: '2026-12-06T10:00:00Z' },
        },
      });
      await createRuntime({ dir, executor, ledger }).runOnce();
    } finally {
      await ledger.close();
    }
    // The two members' runs go out together: which one starts first is not fixed.
    const first = executor.tickets.find((ticket) => ticket.member === 'agent_000');
    const second = executor.tickets.find((ticket) => ticket.member === 'agent_001');
    const list = await runKarnel(['runs', 'list', dir]);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${second?.runId}  agent_001  failed `)),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${first?.runId}  agent_000  succeeded `)),
    );
    const only = await runKarnel(['runs', 'list', dir, '--member', 'agent_000']);
    expect(only.stdout.trim().split('\n')).toHaveLength(1);

    const shown = await runKarnel(['runs', 'show', dir, second!.runId, '--raw']);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout).toContain('state     failed');
    expect(shown.stdout).toContain('error     bad \\x1b]0;title\\x07 tool');
    expect(shown.stdout).not.toContain('\u001b');
    expect(shown.stdout).toContain('steps:\n  0  {');
    expect(shown.stdout).toMatch(/entries:\n {2}#\d+ \S+ run\.started /);
    const none = await runKarnel(['runs', 'show', dir, 'run_nothing']);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('error: no run "run_nothing" in the group ledger');
  });

  it('runs the example once with the offline demo model: every run labelled, the spend waits for the owner', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const run = await runKarnel(['run', group, '--once', '--offline']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toContain('offline demo model');
    const runLines = lines.filter((line) => / (run|done) {2,}/.test(line));
    expect(runLines.length).toBeGreaterThan(0);
    for (const line of runLines) expect(line).toContain('[offline demo model]');
    expect(run.stdout).toMatch(/done +critic .* succeeded/);
    // Scheduled reviews are runs of their own, said so on their lines.
    expect(run.stdout).toMatch(/run +strategist run_\w+ \(weekly strategic review\)/);
    expect(run.stdout).toMatch(/done +strategist run_\w+ \(monthly meta-review\) succeeded/);
    expect(lines.at(-1)).toMatch(/^\d+ runs: \d+ succeeded, 1 parked, 0 failed; 0 refused$/);

    const approvals = await runKarnel(['approvals', 'list', group]);
    expect(approvals.stdout).toMatch(/pending +writer +spend:40\.00 USD/);
    const verify = await runKarnel(['ledger', 'verify', join(group, 'ledger')]);
    expect(verify.code).toBe(0);
  });
});

describe('karnel run with the offline demo model', () => {
  it('--once runs what is due and the work it causes, then frees the lease; the parked run shows in status', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const once = await runKarnel(['run', group, '--once', '--offline']);
    expect(once.stderr).toBe('');
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(/ lease {4}taken by pid \d+ on /);
    expect(once.stdout).toMatch(/ wake {5}researcher: cadence daily, never run/);
    expect(once.stdout).toMatch(/ done {5}researcher run_\w+ succeeded/);
    expect(once.stdout).toMatch(/ wake {5}critic: result msg_\w+ from writer/);
    expect(once.stdout).toMatch(/ done {5}writer run_\w+ parked, waiting on apr_\w+/);
    expect(once.stdout.trim().split('\n').at(-1)).toMatch(
      /^\d+ runs: \d+ succeeded, \d+ parked, 0 failed; 0 refused$/,
    );
    const { readGroupLease } = await import('@karnel/runtime');
    expect(await readGroupLease(group)).toBeUndefined();
    const status = await runKarnel(['status', group]);
    expect(status.stdout).toMatch(/\nparked\n {2}run_\w+ {2}writer {2}waiting on apr_/);
  });

  it('--until stops by itself at the time given, with exit 0 and the lease released', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const run = await runKarnel(['run', group, '--offline', '--until', '3s']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^running .*: 5 members until \d{4}-\d{2}-\d{2}T/m);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('stopped');
    const { readGroupLease } = await import('@karnel/runtime');
    expect(await readGroupLease(group)).toBeUndefined();
  });

  it('runs in the foreground until SIGTERM, then stops gracefully with exit 0 and releases the lease', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const { spawn } = await import('node:child_process');
    const { bin } = await import('../../test/run-karnel');
    const child = spawn(process.execPath, [bin, 'run', group, '--offline', '--tick', '1s'], {
      env: { ...process.env, CI: '1' },
    });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes(' done ')) resolve();
      });
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('stopping: no new runs, running runs park at their next step');
    expect(stdout.trim().split('\n').at(-1)).toBe('stopped');
    const { readGroupLease } = await import('@karnel/runtime');
    expect(await readGroupLease(group)).toBeUndefined();
    const { readLedgerEntries } = await import('@karnel/ledger');
    const types: string[] = [];
    for await (const entry of readLedgerEntries(join(group, 'ledger'))) types.push(entry.type);
    expect(types.at(-1)).toBe('runtime.lease_released');
  });

  it('says so when opening the ledger dropped a torn last line (wake and run)', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    expect((await runKarnel(['run', group, '--once', '--offline'])).code).toBe(0);
    const { truncate, stat } = await import('node:fs/promises');
    const chain = join(group, 'ledger', 'chain.jsonl');
    // A crash mid-append: the last line is cut short.
    await truncate(chain, (await stat(chain)).size - 40);
    const wake = await runKarnel(['wake', group, 'researcher', '--reason', 'look again']);
    expect(wake.code).toBe(0);
    expect(wake.stderr).toMatch(/warning: ledger repaired: .*chain\.jsonl:\d+:\d+: .*torn/);
    await truncate(chain, (await stat(chain)).size - 40);
    const run = await runKarnel(['run', group, '--once', '--offline']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/warning {2}ledger repaired: .*chain\.jsonl:\d+:\d+: /);
    const verify = await runKarnel(['ledger', 'verify', join(group, 'ledger')]);
    expect(verify.code).toBe(0);
  });

  it('stops a --once pass on SIGINT: running runs park, the lease is released, exit 0', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const { spawn } = await import('node:child_process');
    const { bin } = await import('../../test/run-karnel');
    const child = spawn(process.execPath, [bin, 'run', group, '--once', '--offline'], {
      env: { ...process.env, CI: '1' },
    });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/ run {6}/.test(stdout)) resolve();
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain('stopping: no new runs, running runs park at their next step');
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('stopped');
    expect(lines.at(-2)).toMatch(/^\d+ runs: /);
    const { readGroupLease } = await import('@karnel/runtime');
    expect(await readGroupLease(group)).toBeUndefined();
    const verify = await runKarnel(['ledger', 'verify', join(group, 'ledger')]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).not.toContain('uncommitted');
  });

  it('serves the dashboard while the group runs (--dashboard), and closes it on SIGTERM', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const { spawn } = await import('node:child_process');
    const { bin } = await import('../../test/run-karnel');
    const child = spawn(
      process.execPath,
      [bin, 'run', group, '--offline', '--tick', '1s', '--dashboard', '--dashboard-port', '0'],
      { env: { ...process.env, CI: '1' } },
    );
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const found = /dashboard at (\S+)/.exec(stdout);
        if (found?.[1]) resolve(found[1]);
      });
    });
    const address = new URL(url);
    const token = address.searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(16);
    const page = await fetch(new URL('/', address), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(page.status).toBe(200);
    expect((await fetch(new URL('/', address))).status).toBe(401);
    expect(await page.text()).toContain('What needs me');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout.trim().split('\n').at(-1)).toBe('stopped');
    await expect(fetch(new URL('/', address))).rejects.toThrow();
  });
});
