import type { LanguageModelV4, ProviderV4 } from '@ai-sdk/provider';
import { createProviderRegistry } from 'ai';
import { keepRetryAfter } from './rate-limit-fetch';
import type { LanguageModelSource } from './tier-model';
import type { TierProvider, TiersConfig } from './tiers-config';

/** Options of {@link createTierRegistry}. */
export interface TierRegistryOptions {
  /** Where keys are read from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Create providers only for these names (those a resolution uses). Default: every provider a tier names. */
  providers?: readonly string[];
}

type ProviderModule = Record<string, (settings: Record<string, unknown>) => ProviderV4>;

async function optionalImport(specifier: string, provider: string): Promise<ProviderModule> {
  try {
    return (await import(specifier)) as ProviderModule;
  } catch (error) {
    throw new Error(
      `provider ${provider} needs the optional package ${specifier}; install it beside @karnel/tiers`,
      { cause: error },
    );
  }
}

function chatOnly(provider: ProviderV4 & { chat?: (id: string) => LanguageModelV4 }): ProviderV4 {
  const chat = provider.chat;
  if (!chat) return provider;
  return {
    specificationVersion: 'v4',
    languageModel: (id) => chat(id),
    embeddingModel: (id) => provider.embeddingModel(id),
    imageModel: (id) => provider.imageModel(id),
  };
}

/** Creates the AI SDK provider for one configured provider, loading its package on demand. */
export async function createTierProvider(
  provider: TierProvider,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ProviderV4> {
  const apiKey = provider.apiKey ?? (provider.keyVariable ? env[provider.keyVariable] : undefined);
  const key = apiKey ? { apiKey } : {};
  switch (provider.kind) {
    case 'ollama': {
      const module = await optionalImport('ai-sdk-ollama', provider.name);
      // The ollama client drops a 429's headers; keep its retry-after for the fallback reason.
      return module.createOllama!({ baseURL: provider.baseUrl, fetch: keepRetryAfter(), ...key });
    }
    case 'openai': {
      const module = await optionalImport('@ai-sdk/openai', provider.name);
      // Chat completions: the API every OpenAI-compatible server speaks too.
      return chatOnly(
        module.createOpenAI!({ baseURL: provider.baseUrl, name: provider.name, ...key }),
      );
    }
    case 'anthropic': {
      const module = await optionalImport('@ai-sdk/anthropic', provider.name);
      return module.createAnthropic!({ baseURL: provider.baseUrl, ...key });
    }
    case 'openai-compatible': {
      const module = await optionalImport('@ai-sdk/openai-compatible', provider.name);
      return module.createOpenAICompatible!({
        name: provider.name,
        baseURL: provider.baseUrl,
        includeUsage: true,
        ...key,
      });
    }
  }
}

/**
 * Creates an AI SDK provider registry (`createProviderRegistry`) over the configured providers,
 * so `registry.languageModel('ollama:qwen3:8b')` works. Only the providers a tier names are
 * created, and the provider packages — `ai-sdk-ollama`, `@ai-sdk/openai`, `@ai-sdk/anthropic`,
 * `@ai-sdk/openai-compatible`, all optional peer dependencies — are imported only when one of
 * their providers is configured.
 */
export async function createTierRegistry(
  config: TiersConfig,
  options: TierRegistryOptions = {},
): Promise<LanguageModelSource> {
  const { env = process.env } = options;
  const names = options.providers ?? [
    ...new Set(
      Object.values(config.tiers).flatMap((candidates) =>
        candidates!.map((candidate) => candidate.provider.name),
      ),
    ),
  ];
  const providers: Record<string, ProviderV4> = {};
  for (const name of names) {
    const provider = config.providers[name];
    if (provider) providers[name] = await createTierProvider(provider, env);
  }
  return createProviderRegistry(providers) as unknown as LanguageModelSource;
}
