import type { LanguageModelV4, LanguageModelV4Middleware } from '@ai-sdk/provider';
import { type CognitiveTier, formatCost } from '@karnel/core';
import {
  chargedTokens,
  createTierModel,
  createTierRegistry,
  detectMachineProfile,
  type LanguageModelSource,
  type MachineProfile,
  resolveTier,
  type TierCandidate,
  type TierResolution,
  type TiersConfig,
  usageCost,
} from '@karnel/tiers';

/** What a run asks its model source for. */
export interface RunModelRequest {
  /** The member's role. */
  readonly member: string;
  /** The member's cognitive tier. */
  readonly tier: CognitiveTier;
  /** The run the model is for. */
  readonly runId: string;
}

/**
 * Where a run's model comes from. A model whose results carry
 * `providerMetadata.karnel.cost` (an exact decimal) has each call charged that much; the
 * default source adds it from the answering candidate's prices in `tiers.yaml`.
 */
export type RunModelSource = (request: RunModelRequest) => Promise<LanguageModelV4>;

/** Options of {@link createTierModelSource}. */
export interface TierModelSourceOptions {
  /** The merged tiers configuration. */
  readonly config: TiersConfig;
  /**
   * Candidate models to use in place of the configured providers (mock models, the offline
   * demo model). With it, every candidate of the tier is tried in order, whatever this machine
   * holds; `local-private` still only uses local candidates.
   */
  readonly languageModels?: LanguageModelSource;
  /** This machine's profile. Default: detected on first use (probes Ollama). */
  readonly profile?: MachineProfile;
  /** Where keys are read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Adds the exact cost of each call, from the candidate's prices, as `providerMetadata.karnel`. */
function costMiddleware(candidate: TierCandidate): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    wrapGenerate: async ({ doGenerate }) => {
      const result = await doGenerate();
      const tokens = chargedTokens(result.usage);
      const cost = candidate.price && tokens ? usageCost(tokens, candidate.price) : 0n;
      return {
        ...result,
        providerMetadata: {
          ...result.providerMetadata,
          karnel: { candidate: candidate.id, cost: formatCost(cost) },
        },
      };
    },
  };
}

/**
 * The default {@link RunModelSource}: the member's tier resolved from `tiers.yaml` on this
 * machine (`@karnel/tiers`), falling back from candidate to candidate, each call priced by the
 * candidate that answered.
 */
export function createTierModelSource(options: TierModelSourceOptions): RunModelSource {
  const { config, languageModels, env = process.env } = options;
  let profile: Promise<MachineProfile> | undefined = options.profile
    ? Promise.resolve(options.profile)
    : undefined;
  const cache = new Map<CognitiveTier, Promise<LanguageModelV4>>();
  const open = async (tier: CognitiveTier): Promise<LanguageModelV4> => {
    let resolution: TierResolution;
    if (languageModels) {
      const listed = config.tiers[tier] ?? [];
      resolution = {
        tier,
        candidates:
          tier === 'local-private'
            ? listed.filter((candidate) => candidate.provider.local)
            : listed,
        excluded: [],
      };
    } else {
      profile ??= detectMachineProfile({ env });
      resolution = resolveTier(tier, config, await profile, env);
    }
    const registry =
      languageModels ??
      (await createTierRegistry(config, {
        env,
        providers: [...new Set(resolution.candidates.map((candidate) => candidate.provider.name))],
      }));
    return createTierModel({
      resolution,
      registry,
      middleware: (candidate) => [costMiddleware(candidate)],
    });
  };
  return ({ tier }) => {
    let model = cache.get(tier);
    if (!model) {
      model = open(tier);
      model.catch(() => cache.delete(tier));
      cache.set(tier, model);
    }
    return model;
  };
}
