/** The kinds of provider Karnel can call, each backed by one AI SDK provider package. */
export const PROVIDER_KINDS = ['ollama', 'openai', 'anthropic', 'openai-compatible'] as const;

/** One of {@link PROVIDER_KINDS}. */
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** A provider known without being declared: its kind, base URL and the variable holding its key. */
export interface BuiltInProvider {
  /** The provider kind. */
  readonly kind: ProviderKind;
  /** The environment variable its API key is read from; none for a local Ollama. */
  readonly keyVariable?: string;
  /** Its default base URL. */
  readonly baseUrl: string;
}

/**
 * Providers a candidate may name without declaring them under `providers:`. The key variables
 * are the ones the AI SDK providers read themselves.
 */
export const BUILT_IN_PROVIDERS: Readonly<Record<string, BuiltInProvider>> = {
  ollama: { kind: 'ollama', baseUrl: 'http://127.0.0.1:11434' },
  openai: { kind: 'openai', keyVariable: 'OPENAI_API_KEY', baseUrl: 'https://api.openai.com/v1' },
  anthropic: {
    kind: 'anthropic',
    keyVariable: 'ANTHROPIC_API_KEY',
    baseUrl: 'https://api.anthropic.com/v1',
  },
};

/**
 * Whether a base URL points at this machine (`localhost`, `127.0.0.0/8`, `::1`). Only such a
 * provider is local: an Ollama server on another host is a remote service like any cloud API,
 * so `local-private` never resolves to it.
 */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return (
    host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}
