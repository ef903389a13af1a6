import { type CognitiveTier, InvalidArgumentError } from '@karnel/core';
import type { MachineProfile } from './machine-profile';
import { isLoopbackUrl } from './provider-kinds';
import { normalizeTier, TIER_NAMES } from './tier-names';
import type { TierCandidate, TiersConfig } from './tiers-config';

/** A candidate left out by {@link resolveTier}, and why. */
export interface ExcludedCandidate {
  /** The candidate. */
  readonly candidate: TierCandidate;
  /** One sentence saying why it cannot be used on this machine now. */
  readonly reason: string;
}

/** Which candidates of a tier can be used on this machine, in the order to try them. */
export interface TierResolution {
  /** The tier (an alias resolved to its name). */
  readonly tier: CognitiveTier;
  /** Usable candidates: local first, then the file's order. */
  readonly candidates: readonly TierCandidate[];
  /** Every candidate left out, with its reason. */
  readonly excluded: readonly ExcludedCandidate[];
}

const gib = 1024 ** 3;

/**
 * Resolves a tier on this machine (Annex D, section 4): leaves out candidates whose provider has
 * no key, whose Ollama server does not answer or lacks the model, whose needs exceed the
 * profile, or — for `local-private` — that are not local; then puts local candidates first.
 * An empty `candidates` list means the tier cannot resolve here; `excluded` says why.
 *
 * @param tier - A tier name or alias (`T1`–`T4`).
 * @param env - Where keys are looked up. Default `process.env`.
 * @throws InvalidArgumentError for an unknown tier name.
 */
export function resolveTier(
  tier: string,
  config: TiersConfig,
  profile: MachineProfile,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TierResolution {
  const name = normalizeTier(tier);
  if (!name)
    throw new InvalidArgumentError({
      argument: 'tier',
      value: tier,
      message: `expected one of ${TIER_NAMES.join(', ')}`,
    });
  const listed = config.tiers[name] ?? [];
  const usable: TierCandidate[] = [];
  const excluded: ExcludedCandidate[] = [];
  for (const candidate of listed) {
    const reason = exclusionReason(name, candidate, profile, env);
    if (reason) excluded.push({ candidate, reason });
    else usable.push(candidate);
  }
  const candidates = [
    ...usable.filter((candidate) => candidate.provider.local),
    ...usable.filter((candidate) => !candidate.provider.local),
  ];
  return { tier: name, candidates, excluded };
}

function exclusionReason(
  tier: CognitiveTier,
  candidate: TierCandidate,
  profile: MachineProfile,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const { provider } = candidate;
  if (tier === 'local-private' && !provider.local)
    return `local-private never resolves to a model off this machine (${provider.name} is at ${provider.baseUrl}${isLoopbackUrl(provider.baseUrl) ? ', declared local: false' : ''})`;
  if (!provider.local && !candidate.price)
    return 'it has no price: a model off this machine needs one so its calls can be budgeted';
  if (provider.kind === 'ollama') {
    if (provider.baseUrl !== profile.ollama.host.replace(/\/+$/, ''))
      return `its Ollama server ${provider.baseUrl} was not probed (the profile probed ${profile.ollama.host})`;
    if (!profile.ollama.reachable)
      return `the Ollama server at ${provider.baseUrl} does not answer${profile.ollama.error ? `: ${profile.ollama.error}` : ''}`;
    const held = profile.ollama.models.some(
      (model) => model.name === candidate.model || model.name === `${candidate.model}:latest`,
    );
    if (!held)
      return `the Ollama server does not hold ${candidate.model} (ollama pull ${candidate.model})`;
  }
  if (provider.keyVariable && !provider.apiKey && !(env[provider.keyVariable] ?? '').trim())
    return `no key for ${provider.name}: set ${provider.keyVariable}`;
  const { needs } = candidate;
  if (needs?.ram_gb !== undefined && needs.ram_gb * gib > profile.ramBytes)
    return `it needs ${needs.ram_gb} GiB of RAM; this machine has ${(profile.ramBytes / gib).toFixed(1)}`;
  if ((needs?.gpu || needs?.vram_gb !== undefined) && profile.gpus.length === 0)
    return 'it needs a GPU; none is visible';
  if (needs?.vram_gb !== undefined) {
    const most = Math.max(...profile.gpus.map((gpu) => gpu.memoryBytes ?? 0));
    if (needs.vram_gb * gib > most)
      return `it needs ${needs.vram_gb} GiB of GPU memory; the largest GPU has ${(most / gib).toFixed(1)}`;
  }
  return undefined;
}
