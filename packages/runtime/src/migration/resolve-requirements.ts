import { loadMemberAdapter, type MachineAdapterSettings } from '@karnel/adapters';
import { escapeTerminalText } from '@karnel/core';
import { validateGroupDir } from '@karnel/manifest';
import { detectMachineProfile, loadTiersConfig, resolveTier } from '@karnel/tiers';
import { groupLifecycleState } from '../lifecycle/group-lifecycle-state';

/** Something a group needs that this machine could not provide. */
export interface RequirementProblem {
  /**
   * `tier` (Annex D), `adapter` (Annex B), or `rebind`: an independently owned member that must
   * join again with its own signature before it is woken here (Annex E, section 7).
   */
  readonly kind: 'tier' | 'adapter' | 'rebind';
  /** The tier name, or the member's role. */
  readonly name: string;
  /** Who needs it: the roles that declare the tier, or the member. */
  readonly neededBy: readonly string[];
  /** Why it is unresolved, escaped for a terminal. */
  readonly reason: string;
}

/** Options of {@link resolveRequirements}. */
export interface ResolveRequirementsOptions {
  /** The machine-level `tiers.yaml`. Default: the standard path; `false` reads none. */
  readonly machineFile?: string | false;
  /** The Ollama server to probe. Default: the configured one, or `$OLLAMA_HOST`. */
  readonly ollamaHost?: string;
  /** What this machine supplies to adapters (keys, notifiers, endpoint overrides). */
  readonly adapters?: MachineAdapterSettings;
  /** Skip the adapters' `check()` (which may reach the member over the network). */
  readonly skipAdapterChecks?: boolean;
}

/**
 * Resolves what a group needs on this machine (Annex E, section 5.6): each tier its native
 * members declare (`runtime_requirements.model_class`, Annex D) must have a usable candidate,
 * each foreign or human member's adapter must pass its `check()` (Annex B), and each
 * independently owned member must re-bind with its own signature after a hand-off (section 7).
 * Returns what could not be resolved; an empty list means everything resolved. Never throws for
 * the group's files: a member file with errors is reported as an unresolved adapter.
 */
export async function resolveRequirements(
  dir: string,
  {
    machineFile,
    ollamaHost,
    adapters = {},
    skipAdapterChecks = false,
  }: ResolveRequirementsOptions = {},
): Promise<RequirementProblem[]> {
  const problems: RequirementProblem[] = [];
  const group = await validateGroupDir(dir);
  const tiers = new Map<string, string[]>();
  for (const agent of group.agents) {
    const tier = agent.manifest?.runtime_requirements.model_class;
    const role = agent.manifest?.agent.name ?? agent.displayPath;
    if (tier) tiers.set(tier, [...(tiers.get(tier) ?? []), role]);
  }
  if (tiers.size > 0) {
    const loaded = await loadTiersConfig({
      groupDir: dir,
      ...(machineFile !== undefined ? { machineFile } : {}),
    });
    if (!loaded.config) {
      for (const [tier, roles] of tiers)
        problems.push({
          kind: 'tier',
          name: tier,
          neededBy: roles,
          reason: `the tiers configuration has errors: ${escapeTerminalText(loaded.diagnostics[0]?.message ?? 'unknown')}`,
        });
    } else {
      const config = loaded.config;
      const keyVariables = Object.values(config.providers).flatMap((provider) =>
        provider.keyVariable ? [provider.keyVariable] : [],
      );
      const host = ollamaHost ?? config.providers.ollama?.baseUrl;
      const profile = await detectMachineProfile({
        ...(host ? { ollamaHost: host } : {}),
        keyVariables,
      });
      for (const [tier, roles] of [...tiers].sort(([a], [b]) => a.localeCompare(b))) {
        const resolution = resolveTier(tier, config, profile);
        if (resolution.candidates.length > 0) continue;
        const reasons = resolution.excluded.map(
          ({ candidate, reason }) => `${candidate.id}: ${reason}`,
        );
        problems.push({
          kind: 'tier',
          name: tier,
          neededBy: roles,
          reason: escapeTerminalText(
            config.tiers[resolution.tier]
              ? `no candidate is usable on this machine (${reasons.join('; ')})`
              : 'no tiers.yaml on this machine or in the group lists a candidate for it',
          ),
        });
      }
    }
  }
  for (const member of group.members) {
    if (member.kind === 'karnel-native') continue;
    const loaded = await loadMemberAdapter(dir, member.role, adapters);
    if (!loaded.adapter) {
      problems.push({
        kind: 'adapter',
        name: member.role,
        neededBy: [member.role],
        reason: escapeTerminalText(loaded.diagnostics[0]?.message ?? 'no adapter for this member'),
      });
      continue;
    }
    if (skipAdapterChecks) continue;
    const report = await loaded.adapter.check().catch((error: unknown) => ({
      status: 'fail' as const,
      checks: [
        {
          code: 'check/crashed',
          level: 'fail' as const,
          message: error instanceof Error ? error.message : String(error),
        },
      ],
    }));
    if (report.status === 'fail')
      problems.push({
        kind: 'adapter',
        name: member.role,
        neededBy: [member.role],
        reason: escapeTerminalText(
          report.checks
            .filter((check) => check.level === 'fail')
            .map((check) => check.message)
            .join('; '),
        ),
      });
  }
  const lifecycle = await groupLifecycleState(dir).catch(() => undefined);
  for (const role of lifecycle?.awaitingRebind ?? [])
    problems.push({
      kind: 'rebind',
      name: role,
      neededBy: [role],
      reason: escapeTerminalText(
        `${role} has an owner of its own: it is not woken here until it joins again, co-signed with its key (karnel group join --member-key)`,
      ),
    });
  return problems;
}
