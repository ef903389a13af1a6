import { homedir } from 'node:os';
import { join } from 'node:path';
import { type CognitiveTier, type Diagnostic, hasErrors, parseCost } from '@karnel/core';
import { parseCandidateId } from './candidate-id';
import { BUILT_IN_PROVIDERS, isLoopbackUrl, type ProviderKind } from './provider-kinds';
import { normalizeTier } from './tier-names';
import type { CandidateEntry, TiersFile } from './tiers-file-schema';
import { type TiersFileScope, validateTiersFile } from './validate-tiers-file';

/** A provider with every default filled in. */
export interface TierProvider {
  /** Its name, the part of a candidate id before the first colon. */
  readonly name: string;
  /** Which AI SDK provider serves it. */
  readonly kind: ProviderKind;
  /** Base URL of its API. */
  readonly baseUrl: string;
  /** Whether it runs on this machine: its base URL is on loopback and it is not declared `local: false`. */
  readonly local: boolean;
  /** The environment variable its key is read from, if it takes one. */
  readonly keyVariable?: string;
  /** The key from the machine-level file, if any. Never printed. */
  readonly apiKey?: string;
  /** How long to wait for a first byte before falling back, ms. */
  readonly timeoutMs: number;
}

/** Prices of a candidate per million tokens, in units of `10^-12` of the treasury's currency. */
export interface CandidatePrice {
  /** Per million uncached input tokens. */
  readonly input: bigint;
  /** Per million output tokens. */
  readonly output: bigint;
  /** Per million cached input tokens read. */
  readonly cachedInput: bigint;
}

/** A tier candidate, with its provider resolved. */
export interface TierCandidate {
  /** `provider:model` as written. */
  readonly id: string;
  /** Its provider. */
  readonly provider: TierProvider;
  /** The model id as the provider knows it. */
  readonly model: string;
  /** Its prices; `undefined` when the file gives none. */
  readonly price?: CandidatePrice;
  /** Its context window in tokens, when given. */
  readonly contextWindow?: number;
  /** What it needs of the machine. */
  readonly needs?: CandidateEntry['needs'];
  /** The file it comes from. */
  readonly file: string;
}

/** Tier configuration merged from the machine, group and agent levels (Annex D, section 2). */
export interface TiersConfig {
  /** Providers by name. */
  readonly providers: Readonly<Record<string, TierProvider>>;
  /** Candidates by tier, in the order written. */
  readonly tiers: Readonly<Partial<Record<CognitiveTier, readonly TierCandidate[]>>>;
  /** The files read, machine level first. */
  readonly files: readonly string[];
}

/** Options of {@link loadTiersConfig}. */
export interface LoadTiersConfigOptions {
  /** A group directory; its `tiers.yaml` is read when it exists. */
  groupDir?: string;
  /** An agent directory; its `tiers.yaml` is read when it exists. */
  agentDir?: string;
  /** The machine-level file. Default {@link machineTiersFilePath}; `false` to read none. */
  machineFile?: string | false;
  /** The environment, for the machine-level path. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What {@link loadTiersConfig} found: the configuration, unless a file has errors. */
export interface TiersConfigResult {
  /** The merged configuration; `undefined` when a file has errors. */
  readonly config: TiersConfig | undefined;
  /** Problems in the files read, each at its line and column. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The machine-level `tiers.yaml`: `$KARNEL_CONFIG_HOME/tiers.yaml`, else
 * `$XDG_CONFIG_HOME/karnel/tiers.yaml`, else `~/.config/karnel/tiers.yaml`.
 */
export function machineTiersFilePath(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  if (env.KARNEL_CONFIG_HOME) return join(env.KARNEL_CONFIG_HOME, 'tiers.yaml');
  return join(
    env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'),
    'karnel',
    'tiers.yaml',
  );
}

/**
 * Reads and merges the machine-, group- and agent-level `tiers.yaml` files. A missing file at a
 * level is no error (nothing is configured there); a file with errors makes the result's
 * `config` undefined, with every diagnostic. Per tier the most specific level wins; providers
 * merge by name with the machine level last, so its base URLs and keys apply. A group's or
 * agent's file that a symbolic link leads out of its directory is not read (`file/outside-root`).
 */
export async function loadTiersConfig(
  options: LoadTiersConfigOptions = {},
): Promise<TiersConfigResult> {
  const env = options.env ?? process.env;
  // A group's or agent's file is read only inside its directory; the machine's is the user's own.
  const levels: { path: string; scope: TiersFileScope; root?: string }[] = [];
  if (options.machineFile !== false)
    levels.push({ path: options.machineFile ?? machineTiersFilePath(env), scope: 'machine' });
  if (options.groupDir)
    levels.push({
      path: join(options.groupDir, 'tiers.yaml'),
      scope: 'group',
      root: options.groupDir,
    });
  if (options.agentDir)
    levels.push({
      path: join(options.agentDir, 'tiers.yaml'),
      scope: 'group',
      root: options.agentDir,
    });
  const diagnostics: Diagnostic[] = [];
  const read: { path: string; file: TiersFile; scope: TiersFileScope }[] = [];
  for (const level of levels) {
    const knownProviders = read.flatMap((entry) => Object.keys(entry.file.providers ?? {}));
    const result = await validateTiersFile(level.path, {
      scope: level.scope,
      knownProviders,
      ...(level.root === undefined ? {} : { root: level.root }),
    });
    const missing =
      result.diagnostics.length === 1 && result.diagnostics[0]!.code === 'file/missing';
    if (missing) continue;
    diagnostics.push(...result.diagnostics);
    if (result.value) read.push({ path: level.path, file: result.value, scope: level.scope });
  }
  if (hasErrors(diagnostics)) return { config: undefined, diagnostics };
  return { config: mergeTiersFiles(read, env), diagnostics };
}

/**
 * Merges validated files, least specific first (see {@link loadTiersConfig}). The built-in
 * `ollama` provider defaults to `OLLAMA_HOST` from `env`, as the `ollama` client does.
 */
export function mergeTiersFiles(
  files: readonly { path: string; file: TiersFile; scope: TiersFileScope }[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): TiersConfig {
  const settings: Record<string, NonNullable<TiersFile['providers']>[string]> = {};
  const ordered = [
    ...files.filter((entry) => entry.scope !== 'machine'),
    ...files.filter((entry) => entry.scope === 'machine'),
  ];
  for (const { file } of ordered)
    for (const [name, value] of Object.entries(file.providers ?? {}))
      settings[name] = { ...settings[name], ...value };
  const providers: Record<string, TierProvider> = {};
  for (const name of new Set([...Object.keys(BUILT_IN_PROVIDERS), ...Object.keys(settings)])) {
    const builtIn = BUILT_IN_PROVIDERS[name];
    const declared = settings[name] ?? {};
    const kind = declared.kind ?? builtIn?.kind ?? 'openai-compatible';
    const defaultUrl =
      name === 'ollama' && env.OLLAMA_HOST ? ollamaUrl(env.OLLAMA_HOST) : builtIn?.baseUrl;
    const baseUrl = (declared.base_url ?? defaultUrl ?? '').replace(/\/+$/, '');
    const keyVariable = declared.api_key_env ?? builtIn?.keyVariable;
    providers[name] = {
      name,
      kind,
      baseUrl,
      local: isLoopbackUrl(baseUrl) && declared.local !== false,
      ...(keyVariable ? { keyVariable } : {}),
      ...(declared.api_key ? { apiKey: declared.api_key } : {}),
      timeoutMs: declared.timeout_ms ?? 30_000,
    };
  }
  const tiers: Partial<Record<CognitiveTier, TierCandidate[]>> = {};
  for (const { path, file } of files)
    for (const [name, entries] of Object.entries(file.tiers ?? {})) {
      const tier = normalizeTier(name);
      if (!tier) continue;
      tiers[tier] = entries.map((entry) => toCandidate(entry, providers, path));
    }
  return { providers, tiers, files: files.map((entry) => entry.path) };
}

function ollamaUrl(host: string): string {
  return /^https?:\/\//.test(host) ? host : `http://${host}`;
}

function toCandidate(
  entry: CandidateEntry,
  providers: Record<string, TierProvider>,
  file: string,
): TierCandidate {
  const id = parseCandidateId(entry.model)!;
  const cost = (text: string) => {
    const parsed = parseCost(text);
    if (!parsed.ok) throw new Error(parsed.message); // unreachable: the schema checked it
    return parsed.value;
  };
  return {
    id: entry.model,
    provider: providers[id.provider]!,
    model: id.model,
    ...(entry.price
      ? {
          price: {
            input: cost(entry.price.input),
            output: cost(entry.price.output),
            cachedInput: cost(entry.price.cached_input ?? entry.price.input),
          },
        }
      : {}),
    ...(entry.context_window ? { contextWindow: entry.context_window } : {}),
    ...(entry.needs ? { needs: entry.needs } : {}),
    file,
  };
}
