import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
} from '@ai-sdk/provider';

/** A model answer as recorded in a run step: what replaying it must give back. */
export interface RecordedResponse {
  /** The answer's content parts (text, tool calls …). */
  readonly content: LanguageModelV4GenerateResult['content'];
  /** Why the model stopped. */
  readonly finishReason: LanguageModelV4GenerateResult['finishReason'];
  /** Token counts. */
  readonly usage: LanguageModelV4GenerateResult['usage'];
  /** Provider metadata (Karnel's cost among it). */
  readonly providerMetadata?: LanguageModelV4GenerateResult['providerMetadata'];
  /** The model that answered, when it said. */
  readonly modelId?: string;
}

/** Options of {@link createReplayModel}. */
export interface ReplayModelOptions {
  /** The answers recorded by earlier executions of the run, by model call, in order. */
  readonly recorded: readonly RecordedResponse[];
  /** The live model, opened only when a call goes past the recording. */
  readonly live: () => Promise<LanguageModelV4>;
  /** Records a live answer before it is used; the run's step is only taken once this resolves. */
  readonly record: (call: number, response: RecordedResponse) => Promise<void>;
  /**
   * Awaited before each live model call (the executor waits there until the run's start is on
   * disk: no money is spent on a run the ledger does not know).
   */
  readonly beforeLive?: () => Promise<void>;
}

/** A {@link createReplayModel} model, with what it did. */
export interface ReplayModel extends LanguageModelV4 {
  /** Calls answered from the recording. */
  readonly replayed: number;
  /** Calls sent to the live model. */
  readonly live: number;
}

/** Makes a recorded answer plain JSON (no `undefined`, no class instances), as the ledger stores it. */
export function toRecordedResponse(result: LanguageModelV4GenerateResult): RecordedResponse {
  return JSON.parse(
    JSON.stringify({
      content: result.content,
      finishReason: result.finishReason,
      usage: result.usage,
      providerMetadata: result.providerMetadata,
      modelId: result.response?.modelId,
    }),
  ) as RecordedResponse;
}

/**
 * A recording model: the first calls of a resumed run are answered from the run's recorded
 * steps, without calling (or even opening) the live model; later calls go to the live model and
 * each answer is recorded before the loop sees it. So a run that parks and resumes, after a
 * restart too, never pays twice for a step it already took.
 */
export function createReplayModel(options: ReplayModelOptions): ReplayModel {
  const { recorded, live, record } = options;
  let calls = 0;
  let replayed = 0;
  let liveCalls = 0;
  let model: Promise<LanguageModelV4> | undefined;
  const replay: ReplayModel = {
    specificationVersion: 'v4',
    provider: 'karnel.replay',
    modelId: 'replay',
    supportedUrls: {},
    get replayed() {
      return replayed;
    },
    get live() {
      return liveCalls;
    },
    async doGenerate(params: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
      const call = calls++;
      const answer = recorded[call];
      if (answer) {
        replayed++;
        return {
          content: answer.content,
          finishReason: answer.finishReason,
          usage: answer.usage,
          ...(answer.providerMetadata ? { providerMetadata: answer.providerMetadata } : {}),
          warnings: [],
        };
      }
      await options.beforeLive?.();
      model ??= live();
      const result = await (await model).doGenerate(params);
      liveCalls++;
      await record(call, toRecordedResponse(result));
      return result;
    },
    async doStream() {
      throw new Error('a run calls its model with doGenerate only');
    },
  };
  return replay;
}
