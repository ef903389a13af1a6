import type { Message } from '@karnel/coordination';
import { type Diagnostic, ValidationError } from '@karnel/core';
import { deriveRoleObjectives, loadGoals } from '@karnel/goals';
import { assembleContext, estimateTokensByCharacters, type MemoryStore } from '@karnel/memory';
import { discoverSkills } from '@karnel/skills';
import type { WakeReason } from '../wake-reason';
import type { RuntimeMember } from './open-runtime-parts';
import type { RunFileCaches } from './run-file-caches';

/** What a run's context is made of. */
export interface RunContextInput {
  /** The group's mission. */
  readonly mission?: string;
  /** The member. */
  readonly member: RuntimeMember;
  /** Why it woke. */
  readonly reasons: readonly WakeReason[];
  /** The messages that woke it (unread, addressed to it). */
  readonly messages: readonly Message[];
  /** Its memory. */
  readonly memory: MemoryStore;
  /** The group goals file. */
  readonly goalsFile?: string;
  /** The most tokens the whole context may cost. */
  readonly budgetTokens: number;
  /**
   * Where the skills folder and the goals file are read from. Default: read and validated
   * again on every call; an executor passes caches that read them only when they change.
   */
  readonly files?: RunFileCaches;
  /**
   * The group's folder: without `files`, the skills and goals read here must really be inside
   * it (an executor's caches carry their own). Default: none.
   */
  readonly root?: string;
}

/** A run's fresh context: instructions for the model and the prompt that starts the loop. */
export interface RunContext {
  /** Role, purpose, constraints, objectives, memory, skills index. */
  readonly system: string;
  /** The waking reasons and messages. */
  readonly prompt: string;
  /** Tokens used by the estimator, never more than the budget. */
  readonly usedTokens: number;
  /** Sections left out or cut for lack of budget. */
  readonly omitted: readonly string[];
}

/** The diagnostic of a group file refused because a symbolic link leads out of the group. */
const OUTSIDE_ROOT = 'file/outside-root';

/**
 * Fails the run when a file it would read was refused for leading out of the group: the run
 * never goes on as though the file were empty, and its outcome names the file and where it led.
 */
function refuseOutside(diagnostics: readonly Diagnostic[]): void {
  const refused = diagnostics.filter((diagnostic) => diagnostic.code === OUTSIDE_ROOT);
  if (refused.length === 0) return;
  throw new ValidationError({
    diagnostics: refused,
    message: `refused to read a group file: ${refused.map((diagnostic) => diagnostic.message).join('; ')}`,
  });
}

function bullet(lines: readonly string[]): string {
  return lines.map((line) => `- ${line.trim()}`).join('\n');
}

async function objectivesOf(
  goalsFile: string | undefined,
  role: string,
  files: RunFileCaches | undefined,
  root: string | undefined,
): Promise<string> {
  if (!goalsFile) return '';
  let loaded: Awaited<ReturnType<typeof loadGoals>>;
  try {
    loaded = files
      ? await files.goals(goalsFile)
      : await loadGoals(goalsFile, root === undefined ? {} : { root });
  } catch {
    return '';
  }
  refuseOutside(loaded.diagnostics);
  try {
    if (!loaded.goals) return '';
    const own = deriveRoleObjectives(loaded.goals, role);
    const lines: string[] = [];
    const walk = (goals: readonly Record<string, unknown>[] | undefined, depth: number) => {
      for (const goal of goals ?? []) {
        const status = goal.status ? ` [${String(goal.status)}]` : '';
        lines.push(`${'  '.repeat(depth)}- ${String(goal.id)}: ${String(goal.statement)}${status}`);
        walk(goal.sub_goals as Record<string, unknown>[] | undefined, depth + 1);
      }
    };
    walk(own.active_goals as unknown as Record<string, unknown>[], 0);
    return lines.join('\n');
  } catch {
    return '';
  }
}

async function skillsIndexOf(
  member: RuntimeMember,
  files: RunFileCaches | undefined,
  root: string | undefined,
): Promise<string> {
  if (!member.skillsDir) return '';
  const found = files
    ? await files.skills(member.skillsDir)
    : await discoverSkills([
        { dir: member.skillsDir, source: 'agent', ...(root === undefined ? {} : { root }) },
      ]);
  refuseOutside(found.diagnostics);
  return found.skills.map((skill) => `- ${skill.name}: ${skill.description}`).join('\n');
}

/**
 * Assembles a run's fresh context under a token budget: role and purpose, soft constraints as
 * guidance, hard constraints as gates, the member's objectives and goals, strategic memory and
 * the memory context (Annex A, `assembleContext`), the skills index (names and descriptions
 * only: the model reads a skill with the `use_skill` tool), and the reasons and messages that
 * woke it. Nothing is carried over from an earlier run but what memory holds.
 *
 * A skill, goals or memory file that a symbolic link leads out of the group (`root`, or the
 * caches' own) is never read: the call throws (a `ValidationError` with `file/outside-root`, or
 * the memory's `OutsideRootError`), naming the file and where it led, and the run fails.
 */
export async function assembleRunContext(input: RunContextInput): Promise<RunContext> {
  const { member, budgetTokens } = input;
  const estimate = estimateTokensByCharacters;
  const omitted: string[] = [];

  const wake = input.reasons.map((reason) => `- ${reason.kind}: ${reason.detail}`).join('\n');
  const messages = input.messages
    .map(
      (message) =>
        `- ${message.id} ${message.type} from ${message.from}: ${JSON.stringify(message.payload)}`,
    )
    .join('\n');
  let prompt = `You woke up because:\n${wake || '- (no reason given)'}`;
  if (messages) prompt += `\n\nMessages for you:\n${messages}`;
  prompt +=
    '\n\nDo the work this calls for with your tools, then answer with a one-paragraph summary.';

  const fixed = [
    `You are the ${member.role} of a Karnel group.`,
    input.mission ? `Group mission: ${input.mission.trim()}` : '',
    member.purpose ? `Your purpose: ${member.purpose}` : '',
    member.hardConstraints.length
      ? `Hard constraints (enforced; a tool call that breaks one is refused):\n${bullet(member.hardConstraints)}`
      : '',
    member.softConstraints.length ? `Guidance:\n${bullet(member.softConstraints)}` : '',
  ].filter(Boolean);
  const optional: { name: string; text: string }[] = [];
  const [objectives, skills] = await Promise.all([
    objectivesOf(input.goalsFile, member.role, input.files, input.root),
    skillsIndexOf(member, input.files, input.root),
  ]);
  if (objectives) optional.push({ name: 'objectives', text: `Your objectives:\n${objectives}` });
  if (skills) optional.push({ name: 'skills', text: `Skills (use_skill reads one):\n${skills}` });

  let used = estimate(prompt) + fixed.reduce((sum, text) => sum + estimate(text), 0);
  const sections = [...fixed];
  for (const section of optional) {
    const cost = estimate(section.text);
    if (used + cost > budgetTokens) {
      omitted.push(section.name);
      continue;
    }
    sections.push(section.text);
    used += cost;
  }
  const memoryBudget = Math.max(0, budgetTokens - used);
  if (memoryBudget > 0) {
    const task = [prompt, member.taskClass ?? ''].join(' ');
    const memory = await assembleContext({
      store: input.memory,
      task,
      budgetTokens: memoryBudget,
    });
    if (memory.text) {
      sections.push(`What you remember:\n${memory.text}`);
      used += memory.usedTokens;
    }
    if (memory.omitted.length > 0) omitted.push(`memory (${memory.omitted.length} items)`);
  } else omitted.push('memory');
  if (used > budgetTokens) {
    // The fixed part alone is over budget: cut the prompt's message list, never the role.
    const allowance = Math.max(0, budgetTokens - (used - estimate(prompt))) * 4;
    prompt = `${prompt.slice(0, allowance)}…`;
    omitted.push('messages (cut)');
    used = Math.min(budgetTokens, used);
  }
  return { system: sections.join('\n\n'), prompt, usedTokens: used, omitted };
}
