import { COGNITIVE_TIERS, type CognitiveTier } from '@karnel/core';

/**
 * The short aliases of the four tiers (Annex D, section 1): `T1` frontier-reasoning, `T2`
 * fast-general, `T3` bulk-cheap, `T4` local-private.
 */
export const TIER_ALIASES: Readonly<Record<string, CognitiveTier>> = {
  T1: 'frontier-reasoning',
  T2: 'fast-general',
  T3: 'bulk-cheap',
  T4: 'local-private',
};

/** Every name a tier may be written as: the four tier names and their aliases `T1`–`T4`. */
export const TIER_NAMES: readonly string[] = [...COGNITIVE_TIERS, ...Object.keys(TIER_ALIASES)];

/** The tier `name` stands for (`T4` → `local-private`), or `undefined` for an unknown name. */
export function normalizeTier(name: string): CognitiveTier | undefined {
  if ((COGNITIVE_TIERS as readonly string[]).includes(name)) return name as CognitiveTier;
  return TIER_ALIASES[name];
}
