import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { MockLanguageModelV4 } from 'ai/test';

/** Tiers whose every candidate is priced, so that each mock call costs something. */
export const PRICED_TIERS = [
  'tiers:',
  '  frontier-reasoning:',
  '    - model: anthropic:claude-sonnet-4-5',
  '      price: { input: "3.00", output: "15.00" }',
  '  fast-general:',
  '    - model: openai:gpt-5-mini',
  '      price: { input: "0.25", output: "2.00" }',
  '  bulk-cheap:',
  '    - model: openai:gpt-5-nano',
  '      price: { input: "0.05", output: "0.40" }',
  '',
].join('\n');

/**
 * Makes every member of a copied example group woken only on demand (no clock cadence), so
 * that the only work a tick finds is what a test sets up.
 */
export async function onlyOnDemand(dir: string): Promise<void> {
  const paths = [
    join(dir, 'manifest.yaml'),
    ...(await readdir(join(dir, 'members'))).map((name) => join(dir, 'members', name)),
  ];
  for (const path of paths) {
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace(/cadence: "[a-z_]+"/g, 'cadence: "on_demand"'));
  }
}

/** The text of a call's prompt (system, user and tool messages), to decide what to answer. */
export function promptText(options: LanguageModelV4CallOptions): string {
  return JSON.stringify(options.prompt);
}

/** One mock answer: a tool call, or the final text. */
export type MockAnswer =
  | { readonly tool: string; readonly input: unknown }
  | { readonly text: string };

/**
 * A mock model whose answer is chosen by `answer` from the call (its prompt, and how many tool
 * results it already holds); every call is billed 1 000 input and 100 output tokens.
 */
export function mockModel(
  answer: (prompt: string, toolResults: number) => MockAnswer,
): MockLanguageModelV4 {
  let call = 0;
  return new MockLanguageModelV4({
    doGenerate: async (options) => {
      const prompt = promptText(options);
      const toolResults = options.prompt.filter((message) => message.role === 'tool').length;
      const chosen = answer(prompt, toolResults);
      call += 1;
      const content =
        'tool' in chosen
          ? [
              {
                type: 'tool-call' as const,
                toolCallId: `call_${call}`,
                toolName: chosen.tool,
                input: JSON.stringify(chosen.input),
              },
            ]
          : [{ type: 'text' as const, text: chosen.text }];
      return {
        content,
        finishReason: { unified: 'tool' in chosen ? 'tool-calls' : 'stop', raw: undefined },
        usage: {
          inputTokens: { total: 1000, noCache: 1000, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 100, text: 100, reasoning: 0 },
        },
        warnings: [],
      };
    },
  });
}
