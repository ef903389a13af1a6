import { createMessage, type Message } from '@karnel/coordination';
import { canonicalJson, formatMoney } from '@karnel/core';
import { GOAL_STATUSES, updateGoalStatus } from '@karnel/goals';
import { type DiscoveredSkills, discoverSkills } from '@karnel/skills';
import { type ToolSet, tool, zodSchema } from 'ai';
import { z } from 'zod';
import type { RuntimeMember, RuntimeParts } from './open-runtime-parts';
import type { RunFileCaches } from './run-file-caches';
import type { RunSession } from './run-session';

/** What the run's tools work with. */
export interface RunToolsContext {
  /** The composed parts. */
  readonly parts: RuntimeParts;
  /** The member running. */
  readonly member: RuntimeMember;
  /** The run. */
  readonly runId: string;
  /** The session every call is gated and recorded through. */
  readonly session: RunSession;
  /** Where skills are read from. Default: the member's skills folder, read on every call. */
  readonly files?: RunFileCaches;
}

/** The names of the tools every native member's run has. */
export const RUN_TOOL_NAMES = [
  'use_skill',
  'send_message',
  'search_memory',
  'remember',
  'update_goal',
  'spend',
  'ask_owner',
] as const;

const amountText = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a decimal amount such as "12.50"')
  .describe('A decimal amount in the treasury currency, e.g. "12.50".');

// The tools' input schemas, made once: the AI SDK turns each into JSON Schema the first time it
// is sent to a model and keeps the result, instead of once per model call of every run.
const useSkillInput = zodSchema(
  z.strictObject({
    name: z.string().min(1).describe('The skill name.'),
    input: z.unknown().optional().describe('The input of a skill with code (text or JSON).'),
  }),
);
const sendMessageInput = zodSchema(
  z.strictObject({
    type: z.enum(['task', 'result', 'review', 'info']),
    to: z.string().min(1).describe('The receiving role.'),
    payload: z.record(z.string(), z.unknown()).describe("The payload of the message's type."),
    in_reply_to: z.string().optional().describe('The message this one answers.'),
  }),
);
const searchMemoryInput = zodSchema(z.strictObject({ query: z.string().min(1) }));
const rememberInput = zodSchema(
  z.strictObject({
    text: z.string().min(1),
    kind: z.string().optional().describe('Episode kind, e.g. "note" (default) or "finding".'),
  }),
);
const updateGoalInput = zodSchema(
  z.strictObject({
    goal: z.string().min(1),
    status: z.enum(GOAL_STATUSES),
    reason: z.string().min(1),
    blocker: z.string().optional(),
  }),
);
const spendInput = zodSchema(
  z.strictObject({
    amount: amountText,
    description: z.string().min(1).max(300),
    recurring: z.boolean().optional(),
  }),
);
const askOwnerInput = zodSchema(z.strictObject({ question: z.string().min(1).max(2000) }));

function samePayload(a: unknown, b: unknown): boolean {
  return canonicalJson(a as never) === canonicalJson(b as never);
}

/**
 * Sends a message at most once per run: a message this member already sent in this run with
 * the same type, recipients and payload (a resumed run repeating a call whose step was never
 * recorded) is not sent again.
 */
async function sendOnce(context: RunToolsContext, message: Message): Promise<Message> {
  const { parts, runId, session } = context;
  // Only a resumed run can repeat a call whose step was never recorded (a crash in between).
  if (!session.resumed) {
    await parts.coordinator.send(message);
    return message;
  }
  const earlier = (await parts.coordinator.history()).find(
    (sent) =>
      sent.from === message.from &&
      sent.type === message.type &&
      sent.refs?.ledger?.includes(runId) &&
      samePayload(sent.to, message.to) &&
      samePayload(sent.payload, message.payload),
  );
  if (earlier) return earlier;
  await parts.coordinator.send(message);
  return message;
}

/**
 * The tools of a native member's run. Every call goes through the session's gate: policy
 * first (`skill.use:<name>`, `message.send:<role>`, `memory.read`, `memory.write`,
 * `goal.update:<id>`, `spend` with its amount, `owner.ask`), the treasury too for spends.
 */
export function createRunTools(context: RunToolsContext): ToolSet {
  const { parts, member, runId, session } = context;
  const role = member.role;
  const clock = parts.clock;
  const skillsOf = (dir: string): Promise<DiscoveredSkills> =>
    context.files
      ? context.files.skills(dir)
      : discoverSkills([{ dir, source: 'agent', root: parts.dir }]);
  return {
    use_skill: tool({
      description:
        'Read the full instructions of one of your skills (listed in your context); a skill with code runs it on `input` in a sandbox and returns its output.',
      inputSchema: useSkillInput,
      execute: async (input, { toolCallId }) => {
        // Running a skill's code is a side effect, recorded as started before it runs (so it
        // never runs twice); reading its instructions is not.
        const runsCode =
          input.input !== undefined &&
          member.skillsDir !== undefined &&
          (await skillsOf(member.skillsDir)
            .then((found) => found.skills.some((s) => s.name === input.name && s.execution))
            .catch(() => true));
        return session.gate({
          tool: 'use_skill',
          toolCallId,
          input,
          capability: `skill.use:${input.name}`,
          sideEffect: runsCode,
          announce: runsCode,
          effect: async () => {
            if (!member.skillsDir) throw new Error(`${role} has no skills`);
            const found = await skillsOf(member.skillsDir);
            const skill = found.skills.find((candidate) => candidate.name === input.name);
            if (!skill) throw new Error(`no skill named "${input.name}"`);
            const instructions = skill.body.trim();
            if (!skill.execution || input.input === undefined)
              return { name: skill.name, instructions };
            // The skill's own capabilities are asked of the same policy, as this member.
            const result = await parts.workers.run(skill, input.input as never, {
              actor: role,
              policy: parts.policy,
              ledger: parts.ledger,
            });
            return {
              name: skill.name,
              ok: result.ok,
              output: result.output.slice(0, 4000),
              ...(result.ok ? {} : { error: result.reason ?? result.stderr.slice(0, 1000) }),
            };
          },
        });
      },
    }),
    send_message: tool({
      description:
        'Send a structured message (Annex C) to another member: a task, a result (e.g. a draft for review), a review verdict, or info.',
      inputSchema: sendMessageInput,
      execute: (input, { toolCallId }) =>
        session.gate({
          tool: 'send_message',
          toolCallId,
          input,
          capability: `message.send:${input.to}`,
          effect: async () => {
            const message = createMessage({
              type: input.type,
              from: role,
              to: input.to,
              payload: input.payload as never,
              refs: { ledger: [runId] },
              clock,
              ...(input.in_reply_to ? { inReplyTo: input.in_reply_to } : {}),
            });
            const sent = await sendOnce(context, message);
            return { sent: sent.id };
          },
        }),
    }),
    search_memory: tool({
      description: 'Search your memory (semantic items and episodes) by words.',
      inputSchema: searchMemoryInput,
      execute: (input, { toolCallId }) =>
        session.gate({
          tool: 'search_memory',
          toolCallId,
          input,
          capability: 'memory.read',
          sideEffect: false,
          effect: async () => {
            const result = await parts.memoryOf(role).search(input.query, { k: 5 });
            return {
              items: result.hits.map((hit) => hit.item.text),
              episodes: result.episodes.map((hit) => `${hit.episode.at} ${hit.episode.text}`),
            };
          },
        }),
    }),
    remember: tool({
      description:
        'Write an episode to your memory: something that happened and is worth recalling.',
      inputSchema: rememberInput,
      execute: (input, { toolCallId }) =>
        session.gate({
          tool: 'remember',
          toolCallId,
          input,
          capability: 'memory.write',
          effect: async (key) => {
            const store = parts.memoryOf(role);
            const earlier = session.resumed
              ? (await store.readEpisodes({ order: 'desc', limit: 50 })).find(
                  (episode) => episode.data?.idempotencyKey === key,
                )
              : undefined;
            const episode =
              earlier ??
              (await store.appendEpisode({
                kind: input.kind ?? 'note',
                text: input.text,
                actor: role,
                sources: [`ledger/runs/${runId}`],
                data: { idempotencyKey: key },
              }));
            return { episode: episode.id };
          },
        }),
    }),
    update_goal: tool({
      description: 'Set the status of a goal you own, with the reason.',
      inputSchema: updateGoalInput,
      execute: (input, { toolCallId }) =>
        session.gate({
          tool: 'update_goal',
          toolCallId,
          input,
          capability: `goal.update:${input.goal}`,
          effect: async () => {
            if (!parts.goalsFile) throw new Error('the group has no goals file');
            const update = await updateGoalStatus(
              parts.goalsFile,
              input.goal,
              input.status,
              input.reason,
              {
                clock,
                actor: role,
                root: parts.dir,
                ...(input.blocker ? { blocker: input.blocker } : {}),
              },
            );
            return { changed: update.changed };
          },
        }),
    }),
    spend: tool({
      description:
        'Spend group money (not inference: that is paid automatically). Over a gate, the owner must approve first.',
      inputSchema: spendInput,
      execute: async (input, { toolCallId }) => {
        const { unit } = await parts.treasury.config();
        return session.gate({
          tool: 'spend',
          toolCallId,
          input,
          capability: 'spend',
          amount: `${input.amount} ${unit.code}`,
          spent: async () => {
            const balances = await parts.treasury.balances();
            return {
              week: `${formatMoney(balances.week.spent, unit)} ${unit.code}`,
              month: `${formatMoney(balances.month.spent, unit)} ${unit.code}`,
            };
          },
          check: async () => {
            const decision = await parts.treasury.checkSpend({
              amount: input.amount,
              ...(input.recurring ? { recurring: true } : {}),
            });
            return { effect: decision.effect, reason: decision.reason };
          },
          effect: async (key) => {
            const description = `${input.description} [${key}]`;
            const earlier = session.resumed
              ? (await parts.treasury.readRecords()).records.find(
                  (record) =>
                    record.type === 'spend.recorded' && record.description === description,
                )
              : undefined;
            if (earlier) return { spent: input.amount, recorded: 'earlier' };
            await parts.treasury.recordSpend({
              amount: input.amount,
              description,
              run: runId,
              ...(input.recurring ? { recurring: 'week' } : {}),
            });
            return { spent: input.amount };
          },
        });
      },
    }),
    ask_owner: tool({
      description:
        'Ask the human owner a question; the answer arrives as a message in a later run.',
      inputSchema: askOwnerInput,
      execute: (input, { toolCallId }) =>
        session.gate({
          tool: 'ask_owner',
          toolCallId,
          input,
          capability: 'owner.ask',
          effect: async () => {
            const human = [...parts.members.values()].find((entry) => entry.kind === 'human');
            if (!human) throw new Error('the group has no human member to ask');
            const message = createMessage({
              type: 'escalation',
              from: role,
              to: human.role,
              payload: { condition: 'owner_question', reason: input.question },
              refs: { ledger: [runId] },
              clock,
            });
            const sent = await sendOnce(context, message);
            return { sent: sent.id };
          },
        }),
    }),
  };
}
