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

/**
 * Creates an empty {@link RunFileCaches}. With `root` (the group's folder), a skill file or a
 * goals file that a symbolic link leads out of it is not read: it comes back as the error
 * diagnostic `file/outside-root` (the skill does not load, the goals are `undefined`).
 */
export function createRunFileCaches(root?: string): RunFileCaches {
  const inside = root === undefined ? {} : { root };
  const skills = new Map<string, FingerprintCache<DiscoveredSkills>>();
  const goals = new Map<string, FingerprintCache<LoadedGoals>>();
  return {
    skills(dir) {
      let cache = skills.get(dir);
      if (!cache) {
        cache = createFingerprintCache(
          () => treeFingerprint(dir),
          () => discoverSkills([{ dir, source: 'agent', ...inside }]),
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
          () => loadGoals(file, inside),
        );
        goals.set(file, cache);
      }
      return cache.get();
    },
  };
}
