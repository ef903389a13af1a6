import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import type { LanguageModelSource } from '@karnel/tiers';
import type { OfflineScript } from './offline-script';

/** The label on every line of text the offline demo model writes. */
export const OFFLINE_LABEL = '[offline demo model]';

/** Argument fields holding prose; the model labels each one. */
const PROSE_FIELDS = new Set([
  'text',
  'summary',
  'comments',
  'reason',
  'description',
  'instructions',
  'question',
  'title',
]);

interface WakingMessage {
  readonly id: string;
  readonly type: string;
  readonly from: string;
  readonly payload: unknown;
}

function label(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.startsWith(OFFLINE_LABEL) ? line : `${OFFLINE_LABEL} ${line}`))
    .join('\n');
}

function textOf(options: LanguageModelV4CallOptions, role: 'system' | 'user'): string {
  const texts: string[] = [];
  for (const message of options.prompt) {
    if (message.role !== role) continue;
    if (typeof message.content === 'string') texts.push(message.content);
    else
      for (const part of message.content)
        if (part.type === 'text') texts.push((part as { text: string }).text);
  }
  return texts.join('\n');
}

function firstMessage(prompt: string): WakingMessage | undefined {
  const match = /^- (msg_[0-9A-Za-z]+) (\w+) from (\S+): (.*)$/m.exec(prompt);
  if (!match) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(match[4]!);
  } catch {
    payload = match[4];
  }
  return { id: match[1]!, type: match[2]!, from: match[3]!, payload };
}

function lookup(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function fill(value: unknown, message: WakingMessage | undefined, key?: string): unknown {
  if (typeof value === 'string') {
    const whole = /^\{\{message\.([\w.]+)\}\}$/.exec(value);
    if (whole) return lookup(message, whole[1]!.split('.')) ?? value;
    const filled = value.replace(/\{\{message\.([\w.]+)\}\}/g, (_, path: string) =>
      String(lookup(message, path.split('.')) ?? ''),
    );
    return key !== undefined && PROSE_FIELDS.has(key) ? label(filled) : filled;
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, message));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, fill(item, message, name)]),
    );
  return value;
}

function usageOf(input: string, output: string): LanguageModelV4Usage {
  const inputTokens = Math.ceil(input.length / 4);
  const outputTokens = Math.ceil(output.length / 4);
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
  };
}

/**
 * The offline demo model: a deterministic, scripted `LanguageModelV4` that lets a group run a
 * real loop on a machine with no model at all. It reads the member's role from the run's
 * context, plays the first scenario of the script whose `when` strings all appear in the
 * context, one step per model call (the number of earlier answers in the prompt), and fills
 * `{{message.<path>}}` from the message that woke the member. Every line of text it writes —
 * its answers and the prose fields of its tool calls — starts with "[offline demo model]".
 */
export function createOfflineModel(script: OfflineScript): LanguageModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'karnel.offline',
    modelId: 'offline-demo',
    supportedUrls: {},
    async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
      const system = textOf(options, 'system');
      const prompt = textOf(options, 'user');
      const role = /You are the (\S+) of a Karnel group/.exec(system)?.[1] ?? 'unknown';
      const call = options.prompt.filter((message) => message.role === 'assistant').length;
      const context = `${system}\n${prompt}`;
      const scenario = script.members[role]?.find((candidate) =>
        (candidate.when ?? []).every((needle) => context.includes(needle)),
      );
      const step = scenario?.steps[call];
      let content: LanguageModelV4Content[];
      let finish: 'stop' | 'tool-calls' = 'stop';
      if (step && 'tool' in step) {
        const input = fill(step.input, firstMessage(prompt));
        content = [
          {
            type: 'tool-call',
            toolCallId: `offline-${role}-${call}`,
            toolName: step.tool,
            input: JSON.stringify(input),
          },
        ];
        finish = 'tool-calls';
      } else {
        const text = step
          ? String(fill(step.text, firstMessage(prompt), 'text'))
          : label(
              scenario
                ? 'Nothing more to do in this run.'
                : `No scripted scenario for ${role} applies; nothing to do.`,
            );
        content = [{ type: 'text', text }];
      }
      return {
        content,
        finishReason: { unified: finish, raw: finish },
        usage: usageOf(context, JSON.stringify(content)),
        response: { modelId: 'offline-demo' },
        warnings: [],
      };
    },
    async doStream() {
      throw new Error(`${OFFLINE_LABEL} answers with doGenerate only`);
    },
  };
}

/** A model source answering every `provider:model` id with the offline demo model. */
export function createOfflineModelSource(script: OfflineScript): LanguageModelSource {
  const model = createOfflineModel(script);
  return { languageModel: () => model };
}
