import { z } from 'zod';

/** The coordination types a protocol may declare. */
export const COORDINATION_TYPES = ['hierarchical', 'flat', 'network', 'custom'] as const;

/** One of {@link COORDINATION_TYPES}. */
export type CoordinationType = (typeof COORDINATION_TYPES)[number];

/** A member role as written in a protocol file; it must name a member of the group. */
export const roleNameSchema = z.string().min(1, 'a role name cannot be empty');

/**
 * How a dispatched task binds its target: `directive` means the target must take the task on;
 * `request` means the target may decline (with a `result` whose status is `declined`).
 */
export const DISPATCH_MODES = ['directive', 'request'] as const;

/** One of {@link DISPATCH_MODES}. */
export type DispatchMode = (typeof DISPATCH_MODES)[number];

/** One rule of `task_dispatch`: `source` may send tasks to each of `targets`. */
export const dispatchRuleSchema = z.strictObject({
  /** The role that hands out work. */
  source: roleNameSchema.describe('The role that hands out work.'),
  /** The roles it may hand work to. */
  targets: z
    .array(roleNameSchema)
    .min(1, 'a dispatch rule needs at least one target')
    .describe('The roles it may hand work to.'),
  /** Whether the targets must accept (`directive`, the default) or may decline (`request`). */
  mode: z
    .literal(DISPATCH_MODES)
    .default('directive')
    .describe(
      'Whether the targets must accept (`directive`, the default) or may decline (`request`).',
    ),
});

/** A rule of `task_dispatch`. */
export type DispatchRule = z.infer<typeof dispatchRuleSchema>;

/** One step of a review chain. */
export const reviewStepSchema = z.strictObject({
  /** The role that acts at this step. */
  actor: roleNameSchema.describe('The role that acts at this step.'),
  /** What it does (`draft`, `review`, `approve_publication` …); free text, recorded in messages. */
  action: z
    .string()
    .min(1, 'an action cannot be empty')
    .describe(
      'What it does (`draft`, `review`, `approve_publication` …); free text, recorded in messages.',
    ),
  /** Whether a rejection at this step stops the chain. Default false. */
  blocking: z
    .boolean()
    .default(false)
    .describe('Whether a rejection at this step stops the chain. Default false.'),
});

/** A step of a review chain. */
export type ReviewStep = z.infer<typeof reviewStepSchema>;

/** A review chain: steps walked in order for every piece of work that needs review. */
export const reviewChainSchema = z.array(reviewStepSchema);

/** The `hierarchical` section: one role decides, dispatch flows down explicit edges. */
export const hierarchicalSchema = z.strictObject({
  /** The role whose decision is final when members disagree. */
  decision_authority: roleNameSchema.describe(
    'The role whose decision is final when members disagree.',
  ),
  /** Who may hand tasks to whom. */
  task_dispatch: z.array(dispatchRuleSchema).default([]).describe('Who may hand tasks to whom.'),
  /** The review chain for finished work. */
  review_chain: reviewChainSchema.default([]).describe('The review chain for finished work.'),
});

/** The `hierarchical` section. */
export type HierarchicalSection = z.infer<typeof hierarchicalSchema>;

/** How peers of a flat group pick up work. */
export const TASK_CLAIMING_MODES = ['self_assign', 'round_robin', 'assigned_by_proposer'] as const;

/** How decisions are taken among flat peers. */
export const CONSENSUS_RULES = ['any', 'majority', 'unanimous', 'quorum'] as const;

/** The `consensus` rule of a flat group. */
export const consensusSchema = z
  .strictObject({
    /** How many approvals a decision needs: one, more than half, all, or `quorum` of them. */
    rule: z
      .literal(CONSENSUS_RULES)
      .default('majority')
      .describe(
        'How many approvals a decision needs: one, more than half, all, or `quorum` of them.',
      ),
    /** The number of approvals needed when `rule` is `quorum`. */
    quorum: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('The number of approvals needed when `rule` is `quorum`.'),
    /** Who votes; default every peer. */
    voters: z.array(roleNameSchema).optional().describe('Who votes; default every peer.'),
    /** Actions that need a decision (`release`, `merge` …); empty means every proposal. */
    applies_to: z
      .array(z.string().min(1))
      .default([])
      .describe('Actions that need a decision (`release`, `merge` …); empty means every proposal.'),
  })
  .superRefine((value, context) => {
    if (value.rule === 'quorum' && value.quorum === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['quorum'],
        message: 'rule "quorum" needs a "quorum" count',
        params: { diagnosticCode: 'coordination/missing-quorum' },
      });
    }
  });

/** The `consensus` rule of a flat group. */
export type Consensus = z.infer<typeof consensusSchema>;

/** The `flat` section: peers without a boss; work is claimed, decisions are voted. */
export const flatSchema = z.strictObject({
  /** The peers; default every member of the group. */
  peers: z
    .array(roleNameSchema)
    .optional()
    .describe('The peers; default every member of the group.'),
  /** How a peer takes a task: claims it itself (default), in turn, or as the proposer assigns. */
  task_claiming: z
    .strictObject({
      /** The claiming mode. */
      mode: z.literal(TASK_CLAIMING_MODES).default('self_assign').describe('The claiming mode.'),
      /** Maximum open tasks one peer may hold; unlimited when absent. */
      max_open_per_peer: z
        .number()
        .int()
        .positive()
        .optional()
        .describe('Maximum open tasks one peer may hold; unlimited when absent.'),
    })
    .optional(),
  /** How proposals are decided. */
  consensus: consensusSchema.optional().describe('How proposals are decided.'),
  /** The review chain for finished work. */
  review_chain: reviewChainSchema.default([]).describe('The review chain for finished work.'),
});

/** The `flat` section. */
export type FlatSection = z.infer<typeof flatSchema>;

/** The message types a network edge may carry (Annex C). */
export const EDGE_MESSAGE_TYPES = ['task', 'result', 'info'] as const;

/** One edge of a network: `from` may message each of `to`. */
export const networkEdgeSchema = z.strictObject({
  /** The sending role. */
  from: roleNameSchema.describe('The sending role.'),
  /** The receiving roles. */
  to: z
    .array(roleNameSchema)
    .min(1, 'an edge needs at least one receiver')
    .describe('The receiving roles.'),
  /** Also allow the reverse direction. Default false. */
  bidirectional: z
    .boolean()
    .default(false)
    .describe('Also allow the reverse direction. Default false.'),
  /** Which routed message types the edge carries; default all of `task`, `result` and `info`. */
  types: z
    .array(z.literal(EDGE_MESSAGE_TYPES))
    .min(1)
    .optional()
    .describe(
      'Which routed message types the edge carries; default all of `task`, `result` and `info`.',
    ),
  /** Whether tasks sent along the edge are `directive` or `request` (default). */
  mode: z
    .literal(DISPATCH_MODES)
    .default('request')
    .describe('Whether tasks sent along the edge are `directive` or `request` (default).'),
});

/** An edge of a network protocol. */
export type NetworkEdge = z.infer<typeof networkEdgeSchema>;

/** The `network` section: explicit edges of who may message whom. */
export const networkSchema = z.strictObject({
  /** The edges; a pair of roles without an edge cannot exchange tasks, results or info. */
  edges: z
    .array(networkEdgeSchema)
    .min(1, 'a network needs at least one edge')
    .describe('The edges; a pair of roles without an edge cannot exchange tasks, results or info.'),
  /** The review chain for finished work. */
  review_chain: reviewChainSchema.default([]).describe('The review chain for finished work.'),
});

/** The `network` section. */
export type NetworkSection = z.infer<typeof networkSchema>;

/** The `custom` section: a named protocol run by code the group supplies. */
export const customSchema = z.strictObject({
  /** The name of the custom protocol, for the runtime that implements it. */
  name: z
    .string()
    .min(1)
    .describe('The name of the custom protocol, for the runtime that implements it.'),
  /** What it does, for readers of the file. */
  description: z.string().optional().describe('What it does, for readers of the file.'),
  /** Dispatch rules, checked like the hierarchical ones. */
  task_dispatch: z
    .array(dispatchRuleSchema)
    .default([])
    .describe('Dispatch rules, checked like the hierarchical ones.'),
  /** The review chain for finished work. */
  review_chain: reviewChainSchema.default([]).describe('The review chain for finished work.'),
  /** Settings the custom runtime reads; not interpreted here. */
  settings: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Settings the custom runtime reads; not interpreted here.'),
});

/** The `custom` section. */
export type CustomSection = z.infer<typeof customSchema>;

/** One escalation path: when `condition` holds, the matter goes to role `to`. */
export const escalationPathSchema = z.strictObject({
  /**
   * A condition name: `cost_overrun_predicted`, `<role>_rejection_<n>x` (e.g.
   * `critic_rejection_3x`), or a name the runtime registers a predicate for.
   */
  condition: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'a condition is a lowercase name such as "critic_rejection_3x"'),
  /** The role that receives the escalation. */
  to: roleNameSchema.describe('The role that receives the escalation.'),
  /** Why this path exists, for readers. */
  description: z.string().optional().describe('Why this path exists, for readers.'),
});

/** An escalation path. */
export type EscalationPath = z.infer<typeof escalationPathSchema>;

/** How members talk by default. */
export const COMMUNICATION_DEFAULTS = ['structured_message', 'free_form'] as const;

/** Which messages are written to the group ledger. */
export const ARCHIVAL_POLICIES = ['all_messages_to_ledger', 'decisions_only', 'none'] as const;

/** One of {@link ARCHIVAL_POLICIES}. */
export type ArchivalPolicy = (typeof ARCHIVAL_POLICIES)[number];

/** The `communication` section. */
export const communicationSchema = z.strictObject({
  /** Structured messages (Annex C, the default) or free-form text. */
  default: z
    .literal(COMMUNICATION_DEFAULTS)
    .default('structured_message')
    .describe('Structured messages (Annex C, the default) or free-form text.'),
  /** Where the message schema is defined; informational (`see Annex C`). */
  message_schema: z
    .string()
    .default('see Annex C')
    .describe('Where the message schema is defined; informational (`see Annex C`).'),
  /**
   * `all_messages_to_ledger` (default) archives every message; `decisions_only` archives
   * reviews, escalations and approvals; `none` archives nothing.
   */
  archival: z.literal(ARCHIVAL_POLICIES).default('all_messages_to_ledger'),
});

/** The `communication` section. */
export type Communication = z.infer<typeof communicationSchema>;

const sectionNames = ['hierarchical', 'flat', 'network', 'custom'] as const;

/**
 * `coordination/protocol.yaml`: how the members of a group work together. The section named by
 * `coordination_type` holds the type's rules; sections of other types are refused.
 */
export const protocolSchema = z
  .strictObject({
    /** Optional format version of this file, `"0.2"`. */
    karnel_spec_version: z
      .literal('0.2')
      .optional()
      .describe('Optional format version of this file, `"0.2"`.'),
    /** Which coordination type the group uses. */
    coordination_type: z
      .literal(COORDINATION_TYPES)
      .describe('Which coordination type the group uses.'),
    /** Rules of a hierarchical group. */
    hierarchical: hierarchicalSchema.optional().describe('Rules of a hierarchical group.'),
    /** Rules of a flat group. */
    flat: flatSchema.optional().describe('Rules of a flat group.'),
    /** Rules of a network group. */
    network: networkSchema.optional().describe('Rules of a network group.'),
    /** Rules of a custom protocol. */
    custom: customSchema.optional().describe('Rules of a custom protocol.'),
    /** When a matter leaves the normal flow, and to whom. */
    escalation_paths: z
      .array(escalationPathSchema)
      .default([])
      .describe('When a matter leaves the normal flow, and to whom.'),
    /** How members talk and what is archived. */
    communication: communicationSchema
      .prefault({})
      .describe('How members talk and what is archived.'),
  })
  .superRefine((value, context) => {
    for (const name of sectionNames) {
      if (name !== value.coordination_type && value[name] !== undefined) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: `section "${name}" does not apply: coordination_type is "${value.coordination_type}"`,
          params: { diagnosticCode: 'coordination/section-mismatch' },
        });
      }
    }
    const type = value.coordination_type;
    if (type !== 'flat' && value[type] === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['coordination_type'],
        message: `coordination_type "${type}" needs a "${type}" section`,
        params: { diagnosticCode: 'coordination/missing-section' },
      });
    }
  });

/** A parsed and checked `coordination/protocol.yaml`. */
export type Protocol = z.infer<typeof protocolSchema>;

/** The written form of a protocol, before defaults are applied. */
export type ProtocolInput = z.input<typeof protocolSchema>;
