import { type LoadedGoals, loadGoals } from '@karnel/goals';
import { type DiscoveredSkills, discoverSkills } from '@karnel/skills';
import {
  createFingerprintCache,
  type FingerprintCache,
  fileFingerprint,
  treeFingerprint,
} from './fingerprint-cache';

/**
 * The group files every run reads — a member's skills folder, the goals file — read and
 * validated once and again only when they change (by size and modification time), instead of
 * once per run or per tool call.
 */
export interface RunFileCaches {
  /** The skills of one folder (`discoverSkills` with the source `agent`). */
  skills(dir: string): Promise<DiscoveredSkills>;
  /** The goals file (`loadGoals`). */
  goals(file: string): Promise<LoadedGoals>;
}

/** Creates an empty {@link RunFileCaches}. */
export function createRunFileCaches(): RunFileCaches {
  const skills = new Map<string, FingerprintCache<DiscoveredSkills>>();
  const goals = new Map<string, FingerprintCache<LoadedGoals>>();
  return {
    skills(dir) {
      let cache = skills.get(dir);
      if (!cache) {
        cache = createFingerprintCache(
          () => treeFingerprint(dir),
          () => discoverSkills([{ dir, source: 'agent' }]),
        );
        skills.set(dir, cache);
      }
      return cache.get();
    },
    goals(file) {
      let cache = goals.get(file);
      if (!cache) {
        cache = createFingerprintCache(
          () => fileFingerprint(file),
          () => loadGoals(file),
        );
        goals.set(file, cache);
      }
      return cache.get();
    },
  };
}
