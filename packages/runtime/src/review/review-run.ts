import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import {
  type Clock,
  escapeTerminalText,
  pathKind,
  readFileInside,
  resolveInside,
  sha256Hex,
  systemClock,
  writeFileAtomic,
} from '@karnel/core';
import type { Ledger } from '@karnel/ledger';
import {
  consolidateEpisodes,
  type Episode,
  listUnconsolidatedEpisodes,
  type MemoryStore,
} from '@karnel/memory';
import { isSkillName, loadSkill } from '@karnel/skills';
import { generateText, isStepCount, type LanguageModel, type ToolSet, tool } from 'ai';
import { stringify } from 'yaml';
import { z } from 'zod';
import { reviewModelCost } from './review-payment';
import type { RunTouches } from './run-touches';

/** The ledger record types a per-run review writes. */
export const REVIEW_RECORD_TYPES = {
  /** A review ran (or was skipped at zero cost), with what it changed. */
  reviewed: 'review.finished',
  /** A skill written by a review: content hashes before (none) and after. */
  skillAuthored: 'skill.authored',
  /** A skill changed by a review: content hashes before and after. */
  skillUpdated: 'skill.updated',
  /** A change the review asked for and was refused (a protected skill, a bad name). */
  refused: 'review.refused',
  /** Episodes condensed into semantic memory items, which cite them. */
  condensed: 'memory.condensed',
} as const;

/** Options of {@link reviewRun}. */
export interface ReviewRunOptions {
  /** The run reviewed. */
  readonly runId: string;
  /** The role whose run it is, recorded so that the tactical cadence can be kept per member. */
  readonly member?: string;
  /** What the run did to skills and memory (see `readRunTouches`). */
  readonly touches: RunTouches;
  /** The member's skills folder, where authored skills go. */
  readonly skillsDir: string;
  /** The ledger the changes are recorded in. */
  readonly ledger: Ledger;
  /** The model: a cheap tier (`bulk-cheap`), never the member's own. */
  readonly model: LanguageModel;
  /** A summary of the run for the reviewer (its outcome, what it produced). */
  readonly summary: string;
  /** The most model steps the review may take. Default 4. */
  readonly maxSteps?: number;
  /** Its own budget line: the most output tokens per model call. Default 2 000. */
  readonly maxOutputTokens?: number;
  /** The clock for provenance times. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * The member's memory. With it, the review is shown the episodes no consolidation has
   * covered yet (the oldest `condenseBatch`) and may condense them into semantic items.
   */
  readonly memory?: MemoryStore;
  /** The most episodes shown and condensed in one review. Default 20. */
  readonly condenseBatch?: number;
  /** Aborts the review's model calls. */
  readonly signal?: AbortSignal;
  /**
   * The group's folder: a skill file that a symbolic link leads out of it is neither read nor
   * rewritten by `improve_skill` (the change is refused, naming the file). Default: none.
   */
  readonly root?: string;
}

/** What {@link reviewRun} did. */
export interface RunReview {
  /** `skipped` when the run touched no skill and no memory (no model call). */
  readonly status: 'reviewed' | 'skipped';
  /** Skills written, by name. */
  readonly authored: readonly string[];
  /** Skills changed, by name. */
  readonly updated: readonly string[];
  /** Changes refused, one sentence each. */
  readonly refused: readonly string[];
  /** Semantic memory items written from condensed episodes, by id. */
  readonly condensed: readonly string[];
  /** Tokens the review used (input + output). */
  readonly tokens: number;
  /** The exact cost of its model calls, a decimal (`providerMetadata.karnel.cost`). */
  readonly cost: string;
}

const INSTRUCTIONS = `You review one finished run of an agent. Decide whether to author a new skill
from what the run did repeatedly, or to improve an existing skill the run used. Author a skill
only for a procedure worth reusing; improve one only when the run showed a better way. You have
only the tools below; when there is nothing worth writing, answer "no change". When episodes
are listed, you may condense them into a few lasting facts (semantic memory), each citing the
episodes it comes from.`;

function skillMarkdown(
  name: string,
  description: string,
  instructions: string,
  runId: string,
): string {
  const frontmatter = stringify({
    name,
    description,
    metadata: { 'karnel-authored-by': 'review', 'karnel-source-run': runId },
  });
  return `---\n${frontmatter}---\n\n${instructions.trim()}\n`;
}

/**
 * The per-run review (spec Layer 4; Hermes' review fork): after a run that touched skills or
 * memory — never after one that did not, which is skipped without a model call — a separate,
 * isolated model call with only two tools, `author_skill` and `improve_skill`, on a cheap tier
 * and its own step and token limits. A new skill is written with provenance (`karnel.yaml`
 * `provenance.created_by_run`, and `metadata.karnel-authored-by: review` in `SKILL.md`); a
 * protected (bundled or hub) skill is never changed — the attempt is refused and ledgered. Every
 * change is ledgered with the content hashes before and after.
 */
export async function reviewRun({
  runId,
  member,
  touches,
  skillsDir,
  ledger,
  model,
  summary,
  maxSteps = 4,
  maxOutputTokens = 2000,
  clock = systemClock,
  memory,
  condenseBatch = 20,
  signal,
  root,
}: ReviewRunOptions): Promise<RunReview> {
  const authored: string[] = [];
  const updated: string[] = [];
  const refused: string[] = [];
  const condensed: string[] = [];
  if (touches.skills.size === 0 && !touches.memory) {
    await ledger.append({
      type: REVIEW_RECORD_TYPES.reviewed,
      body: { runId, status: 'skipped', reason: 'the run touched no skill and no memory' },
    });
    return { status: 'skipped', authored, updated, refused, condensed, tokens: 0, cost: '0' };
  }
  // The episodes to condense: the oldest not yet consolidated, recorded up to when the review
  // began (so that the batch consolidateEpisodes selects is exactly the one shown).
  const before = new Date(clock.now().getTime() + 1);
  const episodes: Episode[] = memory
    ? (await listUnconsolidatedEpisodes(memory, { before })).slice(0, condenseBatch)
    : [];
  const refuse = async (reason: string) => {
    refused.push(reason);
    await ledger.append({ type: REVIEW_RECORD_TYPES.refused, body: { runId, reason } });
    return { refused: reason };
  };
  const tools: ToolSet = {
    author_skill: tool({
      description: 'Write a new skill from this run: a reusable procedure.',
      inputSchema: z.strictObject({
        name: z.string().describe('lowercase-hyphenated name'),
        description: z.string().min(1).max(1024).describe('what it does and when to use it'),
        instructions: z.string().min(1).describe('the procedure, in Markdown'),
      }),
      execute: async ({ name, description, instructions }) => {
        if (!isSkillName(name)) return refuse(`"${name}" is not a valid skill name`);
        const dir = join(skillsDir, name);
        // Never written through a skills folder that a symlink leads out of the group.
        if (root !== undefined) {
          const inside = await resolveInside(root, relative(resolve(root), skillsDir));
          if (!inside.ok) return refuse(`${name}: ${inside.message}`);
        }
        if ((await pathKind(dir)) !== 'missing')
          return refuse(`a skill named "${name}" exists; improve it instead`);
        await mkdir(dir, { recursive: true });
        const markdown = skillMarkdown(name, description, instructions, runId);
        const karnel = stringify({
          karnel_skill_version: '0.2',
          provenance: {
            source: 'self-authored',
            created_at: clock.now().toISOString(),
            created_by_run: runId,
          },
        });
        await writeFileAtomic(join(dir, 'SKILL.md'), markdown);
        await writeFileAtomic(join(dir, 'karnel.yaml'), karnel);
        const loaded = await loadSkill(dir, { source: 'agent' });
        if (!loaded.skill) {
          await rm(dir, { recursive: true, force: true });
          return refuse(
            `the skill "${name}" would not load: ${loaded.diagnostics[0]?.message ?? 'unknown'}`,
          );
        }
        await ledger.append({
          type: REVIEW_RECORD_TYPES.skillAuthored,
          body: {
            runId,
            skill: name,
            review: true,
            before: null,
            after: { 'SKILL.md': sha256Hex(markdown), 'karnel.yaml': sha256Hex(karnel) },
          },
        });
        authored.push(name);
        return { authored: name };
      },
    }),
    improve_skill: tool({
      description: 'Replace the instructions of a skill this run used with better ones.',
      inputSchema: z.strictObject({
        name: z.string(),
        instructions: z.string().min(1).describe('the new procedure, in Markdown'),
      }),
      execute: async ({ name, instructions }) => {
        if (!isSkillName(name)) return refuse(`"${name}" is not a valid skill name`);
        const dir = join(skillsDir, name);
        const loaded = await loadSkill(dir, {
          source: 'agent',
          ...(root === undefined ? {} : { root }),
        });
        const outside = loaded.diagnostics.find(
          (diagnostic) => diagnostic.code === 'file/outside-root',
        );
        if (outside) return refuse(outside.message);
        if (!loaded.skill) return refuse(`no skill named "${name}"`);
        if (loaded.skill.protected)
          return refuse(
            `"${name}" is protected (bundled or from a hub); copy it under a new name to change it`,
          );
        if (!touches.skills.has(name)) return refuse(`the run did not use "${name}"`);
        const path = join(dir, 'SKILL.md');
        // Read inside the group only: the kept frontmatter must not come from a linked file.
        const before =
          root === undefined
            ? await readFile(path, 'utf8')
            : (await readFileInside(root, path)).toString('utf8');
        // Keep the frontmatter exactly; replace the instructions after it.
        const head = before
          .split('\n')
          .slice(0, loaded.skill.bodyLine - 1)
          .join('\n');
        const after = `${head}\n${instructions.trim()}\n`;
        await writeFileAtomic(path, after);
        await ledger.append({
          type: REVIEW_RECORD_TYPES.skillUpdated,
          body: {
            runId,
            skill: name,
            review: true,
            before: { 'SKILL.md': sha256Hex(before) },
            after: { 'SKILL.md': sha256Hex(after) },
          },
        });
        updated.push(name);
        return { updated: name };
      },
    }),
  };
  if (memory && episodes.length > 0) {
    const shown = new Set<string>(episodes.map((episode) => episode.id));
    tools.condense_episodes = tool({
      description:
        'Condense the episodes listed in the prompt into lasting facts (semantic memory). Each fact cites the episode ids it comes from.',
      inputSchema: z.strictObject({
        facts: z
          .array(
            z.strictObject({
              text: z.string().min(1).max(2000).describe('the fact, one or two sentences'),
              title: z.string().min(1).max(200).optional(),
              episodes: z.array(z.string()).optional().describe('ids of the episodes it rests on'),
            }),
          )
          .min(1)
          .max(10),
      }),
      execute: async ({ facts }) => {
        const unknown = facts.flatMap((fact) => fact.episodes ?? []).filter((id) => !shown.has(id));
        if (unknown.length > 0)
          return refuse(`episodes ${unknown.join(', ')} were not among those shown`);
        const report = await consolidateEpisodes({
          store: memory,
          before,
          batchSize: condenseBatch,
          maxBatches: 1,
          condense: async () =>
            facts.map((fact) => ({
              text: fact.text,
              ...(fact.title ? { title: fact.title } : {}),
              kind: 'review.condensed',
              ...(fact.episodes && fact.episodes.length > 0 ? { sources: fact.episodes } : {}),
              data: { runId },
            })),
        });
        const items = report.items.map((item) => item.id);
        condensed.push(...items);
        await ledger.append({
          type: REVIEW_RECORD_TYPES.condensed,
          body: {
            runId,
            review: true,
            episodes: report.markers.flatMap(
              (marker) => (marker.data as { episodes?: string[] } | undefined)?.episodes ?? [],
            ),
            items,
          },
        });
        return { condensed: items.length };
      },
    });
  }
  const used =
    [...touches.skills].map(([name, count]) => `${name} (${count}×)`).join(', ') || 'none';
  const result = await generateText({
    model,
    system: INSTRUCTIONS,
    prompt: escapeTerminalText(
      [
        `Run ${runId}.`,
        `Skills used: ${used}.`,
        `Memory touched: ${touches.memory ? 'yes' : 'no'}.`,
        '',
        summary,
        ...(episodes.length > 0
          ? [
              '',
              'Episodes not yet condensed:',
              ...episodes.map(
                (episode) =>
                  `- ${episode.id} ${episode.at} ${episode.kind}: ${episode.text.slice(0, 500)}`,
              ),
            ]
          : []),
      ].join('\n'),
      { multiline: true },
    ),
    tools,
    stopWhen: isStepCount(maxSteps),
    maxOutputTokens,
    ...(signal ? { abortSignal: signal } : {}),
  });
  const tokens = (result.totalUsage.inputTokens ?? 0) + (result.totalUsage.outputTokens ?? 0);
  const cost = reviewModelCost(result.steps);
  await ledger.append({
    type: REVIEW_RECORD_TYPES.reviewed,
    body: {
      runId,
      ...(member ? { member } : {}),
      status: 'reviewed',
      authored,
      updated,
      refused,
      condensed,
      tokens,
      cost,
    },
  });
  return { status: 'reviewed', authored, updated, refused, condensed, tokens, cost };
}
