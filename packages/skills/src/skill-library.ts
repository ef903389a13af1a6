import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import {
  type Clock,
  closestMatch,
  type Diagnostic,
  readTextFileBounded,
  resolveInside,
  systemClock,
} from '@karnel/core';
import { type DiscoveredSkills, discoverSkills, type SkillRoot } from './discover-skills';
import type { SkillUsage } from './karnel-yaml-schema';
import { loadSkill } from './load-skill';
import { ProtectedSkillError } from './protected-skill-error';
import { applyOutcomes, recordSkillUsage, type SkillOutcome } from './record-usage';
import type { Skill, SkillSource } from './skill';
import { SkillFileError, type SkillFileErrorReason } from './skill-file-error';
import { SkillNotFoundError } from './skill-not-found-error';
import type { SkillValidationMode } from './skill-validation-mode';

/** What the prompt sees of every skill before one is activated: its name and its description. */
export interface SkillSummary {
  /** The skill's name. */
  readonly name: string;
  /** What it does and when to use it. */
  readonly description: string;
  /** Where it was found. */
  readonly source: SkillSource;
  /** Whether self-improvement may modify it. */
  readonly protected: boolean;
}

/** What activating a skill gives the agent: its instructions and the files it may ask for. */
export interface SkillActivation {
  /** The skill's name. */
  readonly name: string;
  /** What it does. */
  readonly description: string;
  /** The instructions (SKILL.md after the frontmatter). */
  readonly body: string;
  /**
   * Files the agent may read with `readFile`, relative to the skill folder, `/`-separated:
   * everything under `scripts/`, `references/`, `assets/` and `templates/` (at most
   * `maxListedFiles`).
   */
  readonly files: readonly string[];
}

/** The result of {@link SkillLibrary.recordUsage} for one skill. */
export interface RecordedUsage {
  /** The skill's name. */
  readonly name: string;
  /** The usage section after the update. */
  readonly usage: SkillUsage;
  /** How many outcomes were counted. */
  readonly counted: number;
  /** How many were skipped as already counted. */
  readonly skipped: number;
  /**
   * Whether the update was written to the skill's `karnel.yaml`. Bundled skills live in
   * installed packages, which are not ours to write, so their usage is computed but not stored.
   */
  readonly persisted: boolean;
}

/** The result of {@link SkillLibrary.updateUsageFromOutcomes}. */
export interface UsageFromOutcomes {
  /** One entry per skill that had outcomes. */
  readonly updated: readonly RecordedUsage[];
  /** Skill names in the outcomes that the library does not hold (renamed or removed skills). */
  readonly unknown: readonly string[];
}

/**
 * The skills an agent can use, gathered from its own, its group's and its user's folders, and
 * disclosed progressively: names and descriptions for the prompt, the instructions when a skill
 * is activated, single files on request.
 */
export interface SkillLibrary {
  /** The version of this interface. */
  readonly specificationVersion: 'v1';
  /** Scans the roots again (after skills were added, changed or removed) and returns what it found. */
  refresh(): Promise<DiscoveredSkills>;
  /** Problems found by the last scan: skills that failed to load, shadowed duplicates. */
  diagnostics(): Promise<readonly Diagnostic[]>;
  /** Every usable skill's name and description, sorted by name: what goes into the prompt. */
  list(): Promise<SkillSummary[]>;
  /** The whole skill, or `undefined`. */
  get(name: string): Promise<Skill | undefined>;
  /** The skill's instructions and the files it offers. Throws {@link SkillNotFoundError}. */
  activate(name: string): Promise<SkillActivation>;
  /**
   * One text file of a skill, by path relative to its folder. Paths that leave the folder
   * (absolute, `..`, symlinks pointing out) are refused before anything is read.
   * Throws {@link SkillNotFoundError} or {@link SkillFileError}.
   */
  readFile(name: string, relativePath: string): Promise<string>;
  /** Adds outcomes of one skill to its usage statistics. Throws {@link SkillNotFoundError}. */
  recordUsage(
    name: string,
    outcomes: readonly Omit<SkillOutcome, 'skill'>[],
  ): Promise<RecordedUsage>;
  /** Adds ledger outcomes (of any skills) to the skills' usage statistics. */
  updateUsageFromOutcomes(outcomes: readonly SkillOutcome[]): Promise<UsageFromOutcomes>;
  /**
   * Throws {@link ProtectedSkillError} when the skill is protected (bundled or hub-distributed);
   * self-improvement calls it before changing a skill. Throws {@link SkillNotFoundError} for an
   * unknown skill.
   */
  assertMutable(name: string): Promise<void>;
}

/** Options of {@link createSkillLibrary}. */
export interface CreateSkillLibraryOptions {
  /** The folders to search, each with its source (see {@link SkillRoot}). */
  roots: readonly SkillRoot[];
  /** How strictly SKILL.md files are checked. Default `default`. */
  mode?: SkillValidationMode;
  /** Where usage timestamps come from. Default: the system clock. */
  clock?: Clock;
  /** Largest file `readFile` gives out. Default 1 MiB: a reference bigger than that floods a context. */
  maxFileBytes?: number;
  /** Most files `activate` lists. Default 200. */
  maxListedFiles?: number;
}

/**
 * Creates a {@link SkillLibrary} over the given roots. The roots are scanned on first use and
 * again on `refresh()`.
 *
 * @example
 * ```ts
 * const library = createSkillLibrary({
 *   roots: [
 *     { dir: 'my-agent/skills', source: 'agent' },
 *     { dir: 'my-group/skills', source: 'group' },
 *   ],
 * });
 * const prompt = (await library.list()).map((skill) => `- ${skill.name}: ${skill.description}`).join('\n');
 * ```
 */
export function createSkillLibrary(options: CreateSkillLibraryOptions): SkillLibrary {
  return new DefaultSkillLibrary(options);
}

const resourceFolders = ['scripts', 'references', 'assets', 'templates'] as const;

class DefaultSkillLibrary implements SkillLibrary {
  readonly specificationVersion = 'v1' as const;
  private readonly roots: readonly SkillRoot[];
  private readonly mode: SkillValidationMode;
  private readonly clock: Clock;
  private readonly maxFileBytes: number;
  private readonly maxListedFiles: number;
  private scan: Promise<DiscoveredSkills> | undefined;

  constructor({
    roots,
    mode = 'default',
    clock = systemClock,
    maxFileBytes = 1024 * 1024,
    maxListedFiles = 200,
  }: CreateSkillLibraryOptions) {
    this.roots = [...roots];
    this.mode = mode;
    this.clock = clock;
    this.maxFileBytes = maxFileBytes;
    this.maxListedFiles = maxListedFiles;
  }

  refresh(): Promise<DiscoveredSkills> {
    this.scan = discoverSkills(this.roots, { mode: this.mode });
    return this.scan;
  }

  private current(): Promise<DiscoveredSkills> {
    return this.scan ?? this.refresh();
  }

  async diagnostics(): Promise<readonly Diagnostic[]> {
    return (await this.current()).diagnostics;
  }

  async list(): Promise<SkillSummary[]> {
    const { skills } = await this.current();
    return skills.map(({ name, description, source, protected: isProtected }) => ({
      name,
      description,
      source,
      protected: isProtected,
    }));
  }

  async get(name: string): Promise<Skill | undefined> {
    return (await this.current()).skills.find((skill) => skill.name === name);
  }

  private async require(name: string): Promise<Skill> {
    const { skills } = await this.current();
    const skill = skills.find((candidate) => candidate.name === name);
    if (!skill) {
      const suggestion = closestMatch(
        name,
        skills.map((candidate) => candidate.name),
      );
      throw new SkillNotFoundError({ skillName: name, ...(suggestion ? { suggestion } : {}) });
    }
    return skill;
  }

  async activate(name: string): Promise<SkillActivation> {
    const skill = await this.require(name);
    const files: string[] = [];
    for (const folder of resourceFolders) {
      if (!skill.folders[folder]) continue;
      await collectFiles(skill.dir, join(skill.dir, folder), files, this.maxListedFiles);
    }
    return { name: skill.name, description: skill.description, body: skill.body, files };
  }

  async readFile(name: string, relativePath: string): Promise<string> {
    const skill = await this.require(name);
    const resolved = await resolveInside(skill.dir, relativePath);
    if (!resolved.ok)
      throw new SkillFileError({
        skillName: name,
        path: relativePath,
        reason: resolved.reason,
        message: resolved.message,
      });
    const text = await readTextFileBounded(resolved.path, relativePath, this.maxFileBytes);
    if (typeof text === 'string') return text;
    const reasons: Record<string, SkillFileErrorReason> = {
      'file/missing': 'missing',
      'file/not-a-file': 'not-a-file',
      'file/too-large': 'too-large',
      'file/not-utf8': 'not-utf8',
    };
    throw new SkillFileError({
      skillName: name,
      path: relativePath,
      reason: reasons[text.code] ?? 'unreadable',
      message: `${relativePath}: ${text.message}`,
    });
  }

  async recordUsage(
    name: string,
    outcomes: readonly Omit<SkillOutcome, 'skill'>[],
  ): Promise<RecordedUsage> {
    const skill = await this.require(name);
    return this.record(
      skill,
      outcomes.map((outcome) => ({ ...outcome, skill: name })),
    );
  }

  async updateUsageFromOutcomes(outcomes: readonly SkillOutcome[]): Promise<UsageFromOutcomes> {
    const bySkill = new Map<string, SkillOutcome[]>();
    for (const outcome of outcomes) {
      const list = bySkill.get(outcome.skill) ?? [];
      list.push(outcome);
      bySkill.set(outcome.skill, list);
    }
    const updated: RecordedUsage[] = [];
    const unknown: string[] = [];
    for (const [name, list] of [...bySkill.entries()].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      const skill = await this.get(name);
      if (!skill) {
        unknown.push(name);
        continue;
      }
      updated.push(await this.record(skill, list));
    }
    return { updated, unknown };
  }

  private async record(skill: Skill, outcomes: readonly SkillOutcome[]): Promise<RecordedUsage> {
    if (skill.source === 'bundled') {
      const update = applyOutcomes(skill.karnel?.usage, skill.karnel?.attribution, outcomes, {
        clock: this.clock,
      });
      return {
        name: skill.name,
        usage: update.usage,
        counted: update.counted,
        skipped: update.skipped,
        persisted: false,
      };
    }
    const update = await recordSkillUsage(skill.dir, outcomes, { clock: this.clock });
    if (update.counted > 0) await this.reload(skill);
    return {
      name: skill.name,
      usage: update.usage,
      counted: update.counted,
      skipped: update.skipped,
      persisted: update.counted > 0,
    };
  }

  /** Re-reads one skill after its karnel.yaml changed, keeping the rest of the scan. */
  private async reload(skill: Skill): Promise<void> {
    const scan = await this.current();
    const result = await loadSkill(skill.dir, {
      mode: this.mode,
      source: skill.source,
      protected: skill.protected,
    });
    if (!result.skill) return;
    const fresh = result.skill;
    this.scan = Promise.resolve({
      ...scan,
      skills: scan.skills.map((candidate) => (candidate.dir === skill.dir ? fresh : candidate)),
    });
  }

  async assertMutable(name: string): Promise<void> {
    const skill = await this.require(name);
    if (skill.protected)
      throw new ProtectedSkillError({
        skillName: skill.name,
        source: skill.source,
        dir: skill.dir,
      });
  }
}

async function collectFiles(
  root: string,
  dir: string,
  files: string[],
  limit: number,
): Promise<void> {
  if (files.length >= limit) return;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (files.length >= limit) return;
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await collectFiles(root, path, files, limit);
    else if (entry.isFile()) files.push(relative(root, path).split(sep).join('/'));
  }
}
