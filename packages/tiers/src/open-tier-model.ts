import type { AuditLog } from '@karnel/core';
import { type BudgetTreasury, budgetMiddleware } from './budget-middleware';
import { ledgerMiddleware } from './ledger-middleware';
import type { MachineProfile } from './machine-profile';
import { resolveTier } from './resolve-tier';
import { SettleHandoff } from './settle-handoff';
import { createTierModel, type TierModel } from './tier-model';
import { createTierRegistry } from './tier-registry';
import type { TiersConfig } from './tiers-config';

/** Options of {@link openTierModel}. */
export interface OpenTierModelOptions {
  /** The tier, by name or alias. */
  tier: string;
  /** The merged configuration (`loadTiersConfig`). */
  config: TiersConfig;
  /** This machine's profile (`detectMachineProfile`). */
  profile: MachineProfile;
  /** Where keys are read from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Reserve and charge every call through this treasury. */
  treasury?: BudgetTreasury;
  /** Write one `model.call` entry per call to this ledger. */
  ledger?: AuditLog;
  /** The run the calls belong to. */
  run?: string;
  /** Record prompts in the ledger, not only their hashes. Default `false`. */
  recordPrompt?: boolean;
  /** Output cap for calls that give none (see `createBudgetMiddleware`). Default 4 096. */
  defaultMaxOutputTokens?: number;
}

/**
 * Resolves a tier on this machine and returns its model with the budget and ledger middleware
 * on every candidate: the one call most code needs. The ledger middleware is outermost, so a
 * call the treasury refuses is still written (outcome `error`, `BudgetExceededError`).
 *
 * With both, a call's two closing writes go out at once: the treasury settle (commit or
 * release) and the `model.call` entry are started together and the call returns once both are
 * durable (instead of one fsync after the other). When the treasury keeps its records in the
 * same ledger (`createTreasury({ dir, ledger })`, as the runtime opens it), the entry is written
 * without an fsync of its own and the settle's fsync makes it durable too (it is synced after
 * the settle if that one did not). A settle that fails still fails the call,
 * after its entry was written with the call's outcome and cost as they were.
 *
 * @throws TierUnavailableError (on first use) when nothing resolves; nothing is sent then.
 */
export async function openTierModel(options: OpenTierModelOptions): Promise<TierModel> {
  const { config, profile, env = process.env, treasury, ledger, run } = options;
  const resolution = resolveTier(options.tier, config, profile, env);
  const registry = await createTierRegistry(config, {
    env,
    providers: [...new Set(resolution.candidates.map((candidate) => candidate.provider.name))],
  });
  return createTierModel({
    resolution,
    registry,
    middleware: (candidate) => {
      const price = candidate.price ?? { input: 0n, output: 0n, cachedInput: 0n };
      const common = {
        tier: resolution.tier,
        price,
        candidate: candidate.id,
        ...(run ? { run } : {}),
      };
      // With both, the settle and the entry are written at once (see SettleHandoff); with the
      // treasury's records in this same ledger, the settle's fsync also covers the entry.
      const handoff = ledger && treasury ? new SettleHandoff() : undefined;
      const settlesInLedger =
        ledger !== undefined && (treasury as { ledger?: unknown } | undefined)?.ledger === ledger;
      return [
        ...(ledger
          ? [
              ledgerMiddleware(
                {
                  ...common,
                  ledger,
                  recordPrompt: options.recordPrompt ?? false,
                },
                handoff,
                settlesInLedger,
              ),
            ]
          : []),
        ...(treasury
          ? [
              budgetMiddleware(
                {
                  ...common,
                  treasury,
                  ...(options.defaultMaxOutputTokens
                    ? { defaultMaxOutputTokens: options.defaultMaxOutputTokens }
                    : {}),
                },
                handoff,
              ),
            ]
          : []),
      ];
    },
  });
}
