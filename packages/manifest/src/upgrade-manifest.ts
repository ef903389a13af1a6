import { isRecord } from './is-record';
import { CURRENT_SPEC_VERSION } from './spec-version';

/** The kinds of file whose spec version is checked and upgraded. */
export type ManifestKind = 'agent' | 'group' | 'member';

/** What one upgrade step produced. */
export type ManifestUpgradeResult =
  | {
      /** The upgraded value. */
      readonly value: Record<string, unknown>;
      /** Sentences describing what was assumed, reported as `info` diagnostics. */
      readonly notes: readonly string[];
    }
  | {
      /** Why this kind of file cannot be upgraded from the step's version. */
      readonly error: string;
    };

/**
 * One step of the upgrade table: turns a raw manifest of version `from` into one of version
 * `to`. Steps work on the raw parsed value, before schema validation, and only ever add or
 * rename fields, so source positions of what the author wrote stay valid.
 */
export interface ManifestUpgrade {
  /** The version this step reads. */
  readonly from: string;
  /** The version this step produces. */
  readonly to: string;
  /** Upgrades a raw value of the given kind; never mutates its argument. */
  upgrade(kind: ManifestKind, value: Readonly<Record<string, unknown>>): ManifestUpgradeResult;
}

/**
 * Upgrade steps, oldest first. Like the AI SDK's adapters from older model specifications, old
 * files are read by upgrading them in memory to the current version, never by keeping a second
 * validator around.
 */
export const MANIFEST_UPGRADES: readonly ManifestUpgrade[] = [
  {
    from: '0.1',
    to: '0.2',
    upgrade(kind, value) {
      // 0.1 described single agents only: no groups, no foreign agents, no cognitive tiers.
      if (kind !== 'agent') {
        return {
          error: `${kind === 'group' ? 'group manifests' : 'member files'} exist since spec 0.2; declare karnel_spec_version "0.2"`,
        };
      }
      const notes: string[] = [];
      const agent = isRecord(value.agent) ? { ...value.agent } : value.agent;
      if (isRecord(agent) && agent.agent_kind === undefined) {
        agent.agent_kind = 'karnel-native';
        notes.push('0.1 agents are all Karnel-native: "agent.agent_kind" set to "karnel-native"');
      }
      let runtime = value.runtime_requirements;
      if (runtime === undefined) runtime = {};
      if (isRecord(runtime) && runtime.model_class === undefined) {
        runtime = { ...runtime, model_class: 'fast-general' };
        notes.push(
          '0.1 had no cognitive tiers: "runtime_requirements.model_class" assumed "fast-general"; declare it explicitly',
        );
      }
      return {
        value: { ...value, karnel_spec_version: '0.2', agent, runtime_requirements: runtime },
        notes,
      };
    },
  },
];

/**
 * Upgrades a raw manifest from `fromVersion` to {@link CURRENT_SPEC_VERSION} by chaining the
 * steps of {@link MANIFEST_UPGRADES}. Returns the value unchanged when it is already current.
 */
export function upgradeManifest(
  kind: ManifestKind,
  value: Readonly<Record<string, unknown>>,
  fromVersion: string,
): ManifestUpgradeResult {
  let current: Record<string, unknown> = { ...value };
  let version = fromVersion;
  const notes: string[] = [];
  while (version !== CURRENT_SPEC_VERSION) {
    const step = MANIFEST_UPGRADES.find((candidate) => candidate.from === version);
    if (!step)
      return {
        error: `no upgrade path from spec version ${fromVersion} to ${CURRENT_SPEC_VERSION}`,
      };
    const result = step.upgrade(kind, current);
    if ('error' in result) return result;
    current = result.value;
    notes.push(...result.notes);
    version = step.to;
  }
  return { value: current, notes };
}
