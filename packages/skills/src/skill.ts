import type { SkillExecution } from './execution-schema';
import type { SkillFrontmatter } from './frontmatter-schema';
import type { KarnelSkillFile } from './karnel-yaml-schema';

/**
 * Where a skill was found. Precedence, highest first: `agent`, `group`, `user`, `hub`,
 * `bundled` — an agent's own skill shadows a group's skill of the same name, and so on.
 */
export const SKILL_SOURCES = ['agent', 'group', 'user', 'hub', 'bundled'] as const;

/** One of {@link SKILL_SOURCES}. */
export type SkillSource = (typeof SKILL_SOURCES)[number];

/** How a skill folder describes itself. */
export type SkillFormat =
  /** A `SKILL.md` (Agent Skills / Hermes), possibly with `karnel.yaml` or a `*.skill.json` beside it. */
  | 'skill-md'
  /** Only a Karneleon `*.skill.json`: no instructions body. */
  | 'skill-json';

/** A validated skill, as `loadSkill` returns it. */
export interface Skill {
  /** The skill's name, equal to its folder's name. */
  readonly name: string;
  /** What the skill does and when to use it. */
  readonly description: string;
  /** The skill folder, absolute. */
  readonly dir: string;
  /** The instructions: the Markdown after the frontmatter (empty for a `skill-json` skill). */
  readonly body: string;
  /** The 1-based line of `SKILL.md` where {@link Skill.body} starts, for positioned messages. */
  readonly bodyLine: number;
  /** The typed frontmatter, Hermes fields included (default mode). */
  readonly frontmatter: SkillFrontmatter;
  /**
   * The frontmatter exactly as parsed, unknown fields included, so a tool that rewrites a skill
   * can keep what this package does not understand.
   */
  readonly rawFrontmatter: Readonly<Record<string, unknown>>;
  /** The parsed `karnel.yaml`, when the skill has one. */
  readonly karnel?: KarnelSkillFile;
  /** How the skill's code runs, when it has any (from `karnel.yaml` or a `*.skill.json`). */
  readonly execution?: SkillExecution;
  /**
   * Whether self-improvement may modify the skill: `true` for bundled and hub skills (by root or
   * by `provenance.source`). See `SkillLibrary.assertMutable`.
   */
  readonly protected: boolean;
  /** Where the skill was found. */
  readonly source: SkillSource;
  /** Whether it came from a SKILL.md or only a `*.skill.json`. */
  readonly format: SkillFormat;
  /** Which of the standard resource folders exist. */
  readonly folders: SkillFolders;
}

/** The standard folders of a skill and whether each exists. */
export interface SkillFolders {
  /** `scripts/`: code the agent can run. */
  readonly scripts: boolean;
  /** `references/`: documents read on demand. */
  readonly references: boolean;
  /** `assets/`: templates, images, data. */
  readonly assets: boolean;
  /** `templates/`: output templates (Hermes and Karnel spec layouts). */
  readonly templates: boolean;
}
