import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretLikeReason } from './adapter-settings-schema';
import { loadMemberFile } from './load-manifest';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-adapter-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(adapter: string, kind = 'foreign') {
  const text = `member:
  role: "someone"
  agent_kind: "${kind}"
${adapter}
  membership:
    joined_at: "2026-05-10T09:00:00Z"
`;
  const path = join(dir, 'someone.yaml');
  await writeFile(path, text);
  const result = await loadMemberFile(path);
  return {
    ...result,
    at: result.diagnostics.map((d) => [d.code, d.line, d.column]),
  };
}

describe('member files: the Annex B adapter fields', () => {
  it('accepts every field of each adapter type', async () => {
    const hermes = await load(`  adapter:
    type: "hermes"
    endpoint: "http://localhost:7474"
    skill_to_invoke: "long-form-writer"
    task_classes: ["long_form_feature"]
    auth:
      api_key: "env:HERMES_API_KEY"
    timeouts:
      attempt_ms: 30000
    retries: 3
    cost_per_invocation: { amount: "0.25", currency: "USD" }
    hermes:
      session: "karnel-specialist-writer"`);
    expect(hermes.diagnostics).toEqual([]);
    expect(hermes.value?.member).toMatchObject({
      adapter: {
        auth: { api_key: 'env:HERMES_API_KEY' },
        hermes: { session: 'karnel-specialist-writer' },
      },
    });
    const cli = await load(`  adapter:
    type: "hermes"
    hermes:
      command: "hermes"`);
    expect(cli.diagnostics).toEqual([]);
    const http = await load(`  adapter:
    type: "http"
    endpoint: "https://proofreader.example.org/invoke"
    auth:
      signing_key: "file:/etc/karnel/proofreader.key"`);
    expect(http.diagnostics).toEqual([]);
    const human = await load(`  adapter:
    type: "human"
    endpoint: "editor@example.org"
    escalation_only: true
    public_key: "did:key:z6MkspJFgAySep7R3rTTiYCF8BCuNJG7rYwUG7EmMkWTq2ZQ"
    notifications:
      - { type: "webhook", url: "https://ntfy.example.org/editor" }
      - { type: "command", command: "notify-send", args: ["Karnel"] }`);
    expect(human.diagnostics).toEqual([]);
  });

  it('accepts notification channels and a key on a human member', async () => {
    const result = await load(
      `  contact: "owner@example.com"
  notifications:
    - { type: "webhook", url: "http://127.0.0.1:9000/notify" }
  public_key: "did:key:z6MkspJFgAySep7R3rTTiYCF8BCuNJG7rYwUG7EmMkWTq2ZQ"`,
      'human',
    );
    expect(result.diagnostics).toEqual([]);
  });

  it('refuses a secret in place of a reference, naming file, line and column', async () => {
    const result = await load(`  adapter:
    type: "hermes"
    endpoint: "http://localhost:7474"
    auth:
      api_key: "hermes-api-key-1234"`);
    expect(result.at).toEqual([['adapter/secret-value', 8, 16]]);
    expect(result.diagnostics[0]?.file).toBe(join(dir, 'someone.yaml'));
    expect(result.diagnostics[0]?.message).toContain('never as the secret itself');
    expect(result.value).toBeUndefined();
  });

  it('refuses secret-looking values anywhere in the adapter or a human member', async () => {
    const result = await load(`  adapter:
    type: "http"
    endpoint: "https://bot:hunter2@hooks.example.org/invoke"
    task_classes: ["sk-proj-abcdefghijklmnopqrstuv"]`);
    expect(result.at).toEqual([
      ['adapter/secret-value', 6, 15],
      ['adapter/secret-value', 7, 20],
    ]);
    const human = await load(
      `  contact: "owner@example.com"
  notifications:
    - { type: "webhook", url: "https://hooks.example.org/x?token=abc" }`,
      'human',
    );
    expect(human.at).toEqual([['adapter/secret-value', 6, 31]]);
  });

  it('refuses a field its adapter type does not read', async () => {
    const result = await load(`  adapter:
    type: "http"
    endpoint: "https://svc.example.org/"
    skill_to_invoke: "x"
    auth:
      api_key: "env:KEY"
    escalation_only: true`);
    expect(result.at).toEqual([
      ['adapter/field-not-for-type', 7, 22],
      ['adapter/field-not-for-type', 9, 16],
      ['adapter/field-not-for-type', 10, 22],
    ]);
    expect(result.diagnostics[0]?.message).toContain(
      '"skill_to_invoke" is read only by hermes adapters, not http',
    );
  });

  it('checks the shape of timeouts, retries, money and channels', async () => {
    const result = await load(`  adapter:
    type: "hermes"
    timeouts: { attempt_ms: 0 }
    retries: 99
    cost_per_invocation: { amount: 0.25, currency: "usd" }
    hermes: { command: "/usr/bin/hermes --yolo" }`);
    expect(result.diagnostics.map((d) => d.line)).toEqual([6, 7, 8, 8, 9]);
    const channel = await load(
      `  notifications:
    - { type: "pigeon" }`,
      'human',
    );
    expect(channel.diagnostics).toHaveLength(1);
    expect(channel.diagnostics[0]?.line).toBe(5);
  });

  it('tells secret-looking text from ordinary text', () => {
    expect(secretLikeReason('-----BEGIN OPENSSH PRIVATE KEY-----')).toBeDefined();
    expect(secretLikeReason('ghp_0123456789abcdefghijABCDEFGHIJ012345')).toBeDefined();
    expect(secretLikeReason('AKIAABCDEFGHIJKLMNOP')).toBeDefined();
    expect(secretLikeReason('https://example.org/hook?api_key=1')).toBe(
      'the URL carries a "api_key" parameter',
    );
    expect(secretLikeReason('http://localhost:7474')).toBeUndefined();
    expect(secretLikeReason('node ./tools/ci-runner.mjs')).toBeUndefined();
    expect(secretLikeReason('long-form-writer')).toBeUndefined();
  });
});
