import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSigner, generateKeyPair, sha256Hex } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { createPolicy } from '@karnel/policy';
import { describe, expect, it } from 'vitest';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { createWasmWorker } from './wasm-worker';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'wasm');

describe('ledger records', () => {
  it('writes the checks, the result and the worker identity of every run, signed', async () => {
    const parent = await makeTempDir();
    const bytes = await readFile(join(fixtures, 'noop.wasm'));
    const skill = await makeSkill(parent, {
      name: 'noop',
      runtime: 'wasm',
      entry: 'main.wasm',
      sha256: sha256Hex(bytes),
      files: { 'main.wasm': bytes },
      capabilities: ['messaging.send:ops'],
    });
    const ledger = await openLedger(join(parent, 'ledger'));
    const signer = createSigner(generateKeyPair().secretKey);
    const worker = createWasmWorker();
    const refused = await worker.run(skill, '', { ledger, signer });
    expect(refused.killedBy).toBe('policy');
    const policy = createPolicy({ rules: [{ effect: 'allow', capability: 'messaging.send:ops' }] });
    const result = await worker.run(skill, '', {
      ledger,
      signer,
      policy,
      actor: 'agt_worker-test',
    });
    expect(result.ok).toBe(true);
    const entries = [];
    for await (const entry of ledger.entries()) entries.push(entry);
    expect(entries.map((entry) => entry.type)).toEqual([
      'skill.run_refused',
      'skill.run_started',
      'skill.run_finished',
    ]);
    const [refusal, started, finished] = entries;
    expect(refusal!.body).toMatchObject({
      runId: refused.runId,
      killedBy: 'policy',
      worker: signer.did,
    });
    expect(started!.body).toMatchObject({
      runId: result.runId,
      skill: 'noop',
      runtime: 'wasm',
      actor: 'agt_worker-test',
      entrySha256: sha256Hex(bytes),
      worker: signer.did,
      checks: [{ capability: 'messaging.send:ops', source: 'declared', effect: 'allow' }],
    });
    expect(finished!.body).toMatchObject({
      runId: result.runId,
      ok: true,
      exitCode: 0,
      outputBytes: 0,
    });
    expect(finished!.body.cost).toMatchObject({ outputBytes: 0 });
    expect(entries.every((entry) => entry.signer === signer.did)).toBe(true);
    const report = await ledger.verify();
    expect(report.ok).toBe(true);
    expect(report.signed).toBe(3);
    await ledger.close();
  });
});
