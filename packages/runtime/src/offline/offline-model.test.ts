import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLE_GROUP } from '../run/example-group.test-support';
import { RuntimeOpenError } from '../run/runtime-open-error';
import { createOfflineModel, OFFLINE_LABEL } from './offline-model';
import { OFFLINE_SCRIPT_FILE, readOfflineScript } from './offline-script';
import { openOfflineDemo } from './open-offline-demo';

const temporary: string[] = [];
afterEach(async () => {
  for (const dir of temporary.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-offline-'));
  temporary.push(dir);
  return dir;
}

describe('the offline demo script', () => {
  it('ships valid in examples/newsletter-co', async () => {
    const read = await readOfflineScript(join(EXAMPLE_GROUP, OFFLINE_SCRIPT_FILE));
    expect(read.diagnostics).toEqual([]);
    expect(Object.keys(read.script!.members)).toEqual(
      expect.arrayContaining(['researcher', 'writer', 'critic', 'strategist']),
    );
  });

  it('reports a broken script at its line and column, and openOfflineDemo refuses it', async () => {
    const dir = await scratch();
    await writeFile(
      join(dir, OFFLINE_SCRIPT_FILE),
      'karnel_offline_script: "0.1"\nmembers:\n  writer:\n    - steps:\n        - tool: spend\n          input: 3\n',
    );
    const read = await readOfflineScript(join(dir, OFFLINE_SCRIPT_FILE));
    expect(read.script).toBeUndefined();
    expect(read.diagnostics[0]).toMatchObject({ line: 5, severity: 'error' });
    const error = await openOfflineDemo(dir).catch((caught: unknown) => caught);
    expect(RuntimeOpenError.isInstance(error)).toBe(true);
    expect((error as RuntimeOpenError).part).toBe('offline');
  });

  it('a missing script is an error, not an empty demo', async () => {
    const dir = await scratch();
    const error = await openOfflineDemo(dir).catch((caught: unknown) => caught);
    expect(RuntimeOpenError.isInstance(error)).toBe(true);
    expect((error as RuntimeOpenError).diagnostics.length).toBeGreaterThan(0);
  });
});

describe('createOfflineModel', () => {
  const script = {
    karnel_offline_script: '0.1' as const,
    members: {
      critic: [
        {
          when: ['Revised'],
          steps: [{ text: 'Approved.' }],
        },
        {
          steps: [
            {
              tool: 'send_message',
              input: {
                to: 'writer',
                payload: { task: '{{message.id}}', comments: 'No take.\nTry again.' },
              },
            },
            { text: 'Rejected.' },
          ],
        },
      ],
    },
  };
  const system = 'You are the critic of a Karnel group.';

  it('plays the first scenario that applies, step by step, filling the waking message', async () => {
    const model = createOfflineModel(script);
    const prompt =
      'Messages for you:\n- msg_01KQYBNW5R05QX6PQC87CPCPQD result from writer: {"summary":"Draft"}';
    const first = await model.doGenerate({
      prompt: [
        { role: 'system', content: system },
        { role: 'user', content: [{ type: 'text', text: prompt }] },
      ],
    });
    expect(first.finishReason.unified).toBe('tool-calls');
    const call = first.content[0] as { type: string; toolName: string; input: string };
    expect(call.toolName).toBe('send_message');
    const input = JSON.parse(call.input);
    expect(input.payload.task).toBe('msg_01KQYBNW5R05QX6PQC87CPCPQD');
    for (const line of String(input.payload.comments).split('\n'))
      expect(line.startsWith(OFFLINE_LABEL)).toBe(true);
    expect(input.to).toBe('writer');
  });

  it('labels every line it writes, the same answers every time, in a real tool loop', async () => {
    const model = createOfflineModel(script);
    const runs = await Promise.all(
      [1, 2].map(() => generateText({ model, system, prompt: 'Revised draft attached.' })),
    );
    expect(runs[0]!.text).toBe(`${OFFLINE_LABEL} Approved.`);
    expect(runs[1]!.text).toBe(runs[0]!.text);
    const lost = await generateText({
      model,
      system: 'You are the researcher of a Karnel group.',
      prompt: 'hi',
    });
    expect(lost.text.startsWith(OFFLINE_LABEL)).toBe(true);
    expect(lost.text).toContain('No scripted scenario for researcher');
  });
});
