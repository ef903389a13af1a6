import { execFile } from 'node:child_process';
import { cpus, freemem, totalmem } from 'node:os';
import { Ollama } from 'ollama';
import { BUILT_IN_PROVIDERS } from './provider-kinds';

/** A GPU the machine shows without installing anything. */
export interface GpuInfo {
  /** Its name as the driver reports it. */
  readonly name: string;
  /** Its memory in bytes, when reported. */
  readonly memoryBytes?: number;
}

/** A model an Ollama server holds. */
export interface LocalModel {
  /** Its name (`qwen3:8b`). */
  readonly name: string;
  /** Its size on disk in bytes. */
  readonly sizeBytes: number;
}

/** Whether an Ollama server answered, and what it holds. */
export interface OllamaStatus {
  /** The server's base URL. */
  readonly host: string;
  /** Whether `GET /api/tags` answered in time. */
  readonly reachable: boolean;
  /** The models it holds (empty when unreachable). */
  readonly models: readonly LocalModel[];
  /** Why it did not answer, one line. */
  readonly error?: string;
}

/** What this machine can run and reach (Annex D, section 3). */
export interface MachineProfile {
  /** Version of this shape. */
  readonly specificationVersion: 'v1';
  /** Total RAM in bytes. */
  readonly ramBytes: number;
  /** Free RAM in bytes when the profile was taken. */
  readonly freeRamBytes: number;
  /** Logical CPUs. */
  readonly cpuCount: number;
  /** The first CPU's model name. */
  readonly cpuModel: string;
  /** GPUs visible through `nvidia-smi`; empty when none is visible. */
  readonly gpus: readonly GpuInfo[];
  /** The Ollama server probed. */
  readonly ollama: OllamaStatus;
  /** Names of the environment variables holding a provider key — never the keys. */
  readonly keysPresent: readonly string[];
}

/** Options of {@link detectMachineProfile}. */
export interface DetectMachineProfileOptions {
  /** The Ollama server to probe. Default `OLLAMA_HOST` from `env`, else `http://127.0.0.1:11434`. */
  ollamaHost?: string;
  /** The environment to look for keys in. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** More variables that may hold provider keys (from `api_key_env`), beyond the built-in ones. */
  keyVariables?: readonly string[];
  /** How long to wait for Ollama and `nvidia-smi`, ms. Default 1 500. */
  timeoutMs?: number;
}

/**
 * Takes a profile of this machine: RAM, CPUs, GPUs where `nvidia-smi` shows them, whether the
 * Ollama server answers and which models it holds (`ollama.list()`), and which provider keys the
 * environment holds. Never throws for an absent server or tool: it is reported as absent.
 */
export async function detectMachineProfile(
  options: DetectMachineProfileOptions = {},
): Promise<MachineProfile> {
  const { env = process.env, timeoutMs = 1500, keyVariables = [] } = options;
  const host = normalizeHost(
    options.ollamaHost ?? env.OLLAMA_HOST ?? BUILT_IN_PROVIDERS.ollama!.baseUrl,
  );
  const variables = new Set([
    ...Object.values(BUILT_IN_PROVIDERS).flatMap((provider) =>
      provider.keyVariable ? [provider.keyVariable] : [],
    ),
    ...keyVariables,
  ]);
  const [gpus, ollama] = await Promise.all([detectGpus(timeoutMs), probeOllama(host, timeoutMs)]);
  const cpuList = cpus();
  return {
    specificationVersion: 'v1',
    ramBytes: totalmem(),
    freeRamBytes: freemem(),
    cpuCount: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    gpus,
    ollama,
    keysPresent: [...variables].filter((name) => (env[name] ?? '').trim() !== '').sort(),
  };
}

function normalizeHost(host: string): string {
  const withScheme = /^https?:\/\//.test(host) ? host : `http://${host}`;
  return withScheme.replace(/\/+$/, '');
}

/** Asks an Ollama server which models it holds, giving up after `timeoutMs`. */
export async function probeOllama(host: string, timeoutMs = 1500): Promise<OllamaStatus> {
  const client = new Ollama({
    host,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  });
  try {
    const { models } = await client.list();
    return {
      host,
      reachable: true,
      models: models.map((model) => ({ name: model.name, sizeBytes: model.size })),
    };
  } catch (error) {
    return { host, reachable: false, models: [], error: describeError(error) };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (error.name === 'TimeoutError') return 'no answer in time';
    return cause?.code ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}

function detectGpus(timeoutMs: number): Promise<GpuInfo[]> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: timeoutMs },
      (error, stdout) => {
        if (error) return resolve([]);
        resolve(
          stdout
            .split('\n')
            .map((line) => line.split(',').map((part) => part.trim()))
            .filter(([name]) => name)
            .map(([name, mebibytes]) => {
              const memory = Number(mebibytes);
              return Number.isFinite(memory)
                ? { name: name!, memoryBytes: memory * 1024 * 1024 }
                : { name: name! };
            }),
        );
      },
    );
  });
}
