import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSigner, generateKeyPair } from '@karnel/core';
import { createApprovalQueue, createAuthority } from '@karnel/policy';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type FakeHermes, startFakeHermes } from '../test/fake-hermes';
import { loadMemberAdapter } from './load-member-adapter';
import { createMemoryLedger } from './testing';

const owner = createSigner(generateKeyPair().secretKey);

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));

describe('loadMemberAdapter on the examples', () => {
  let hermes: FakeHermes | undefined;
  afterEach(async () => {
    await hermes?.close();
    hermes = undefined;
  });

  it('newsletter-co specialist_writer (hermes) checks green against a Hermes server', async () => {
    hermes = await startFakeHermes();
    const loaded = await loadMemberAdapter(`${examples}newsletter-co`, 'specialist_writer', {
      endpoint: hermes.url,
      apiKey: 'env:HERMES_KEY',
      environment: { HERMES_KEY: API_KEY },
      approvals: createApprovalQueue({
        dir: await mkdtemp(join(tmpdir(), 'karnel-adapters-queue-')),
        authority: createAuthority({ dir: tmpdir(), owner: owner.did }),
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
  });

  it('oss-maintainers ci_runner (subprocess) checks green: script present, sandbox available', async () => {
    const loaded = await loadMemberAdapter(`${examples}oss-maintainers`, 'ci_runner');
    expect(loaded.diagnostics).toEqual([]);
    const report = await loaded.adapter!.check();
    expect(report.status).toBe('pass');
    expect(report.checks.map((check) => [check.code, check.level])).toEqual([
      ['subprocess/command', 'pass'],
      ['subprocess/sandbox', 'pass'],
    ]);
  });

  it('says why a native member has no adapter, and fails check() for a server that is down', async () => {
    const native = await loadMemberAdapter(`${examples}newsletter-co`, 'writer');
    expect(native.adapter).toBeUndefined();
    expect(native.diagnostics[0]).toMatchObject({ code: 'adapter/not-foreign' });
    const missing = await loadMemberAdapter(`${examples}newsletter-co`, 'nobody');
    expect(missing.adapter).toBeUndefined();
    expect(missing.diagnostics[0]?.severity).toBe('error');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await loadMemberAdapter(`${examples}newsletter-co`, 'specialist_writer', {
      endpoint: `http://127.0.0.1:${port}`,
    });
    const report = await down.adapter!.check();
    expect(report.status).toBe('fail');
    expect(report.checks[0]).toMatchObject({ code: 'hermes/health', level: 'fail' });
  });
});
