import { cognitiveTierSchema } from '@karnel/core';
import { z } from 'zod';
import {
  agentIdSchema,
  constraintsSchema,
  createdAtSchema,
  nameSchema,
  ownerSchema,
  relativePathSchema,
  specVersionSchema,
} from './common-schemas';

/** The kinds of agent: hosted by a Karnel runtime, or reached through an adapter. */
export const AGENT_KINDS = ['karnel-native', 'foreign'] as const;

/** One of {@link AGENT_KINDS}. */
export type AgentKind = (typeof AGENT_KINDS)[number];

/** Whether an agent runs on a Karnel runtime or is reached through an adapter. */
export const agentKindSchema: z.ZodEnum<Record<AgentKind, AgentKind>> = z.enum(AGENT_KINDS).meta({
  description:
    '"karnel-native" for an agent a Karnel runtime hosts; "foreign" for one reached through an adapter.',
});

/** The `agent` block: identity of the agent. */
export const agentIdentitySchema = z
  .strictObject({
    /** Immutable agent id, `agt_<ULID>`. */
    id: agentIdSchema,
    /** Human-readable name; may change, unlike the id. */
    name: nameSchema,
    /** Creation time, RFC 3339. */
    created_at: createdAtSchema,
    /** The single owner: a `did:key` or `ed25519:` public key. */
    owner: ownerSchema,
    /** What kind of member or agent this is. */
    agent_kind: agentKindSchema,
  })
  .meta({
    description: 'Who the agent is. The id never changes, whichever runtime hosts the agent.',
  });

/** A cognitive tier with its description, as manifests declare them. */
export const modelClassSchema = cognitiveTierSchema.meta({
  description:
    'The cognitive tier the role needs (never a model name): frontier-reasoning, fast-general, bulk-cheap or local-private. The runtime maps it to a concrete model.',
});

/** What an agent needs from the runtime that hosts it. */
export const runtimeRequirementsSchema = z
  .strictObject({
    /** The cognitive tier the role needs. */
    model_class: modelClassSchema,
    /** Tools the runtime must provide. */
    tools_required: z.array(z.string().min(1, 'must not be empty')).default([]).meta({
      description: 'Tools the runtime must provide (e.g. "memory_access", "ledger_write").',
    }),
    /** When the agent runs. */
    scheduler: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .meta({ description: 'When the agent runs, e.g. "weekly_cron + on_escalation".' }),
  })
  .meta({ description: 'What the hosting runtime must provide.' });

/** Where an agent's parts live, relative to its directory. */
export const agentComponentsSchema = z
  .strictObject({
    /** The memory folder. */
    memory: relativePathSchema.optional().meta({
      description: 'Memory folder (episodic.jsonl, semantic/, strategic.yaml); usually "./memory".',
    }),
    /** The skills folder. */
    skills: relativePathSchema.optional().meta({
      description: 'Skills folder, one sub-folder per skill with a SKILL.md; usually "./skills".',
    }),
    /** The goals folder. */
    goals: relativePathSchema.optional().meta({
      description: 'Goals folder (current.yaml); optional when the agent belongs to a group.',
    }),
    /** The ledger folder. */
    ledger: relativePathSchema
      .optional()
      .meta({ description: 'Ledger folder (runs/, decisions/); usually "./ledger".' }),
  })
  .meta({
    description:
      "Where the agent's memory, skills, goals and ledger live, relative to its directory.",
  });

/**
 * An agent's `manifest.yaml` (spec section 1.1): identity, purpose, declared capabilities,
 * constraints, runtime requirements and the locations of its components.
 */
export const agentManifestSchema = z
  .strictObject({
    /** The Karnel format version the file is written in (`"0.2"`). */
    karnel_spec_version: specVersionSchema,
    /** Who the agent is. */
    agent: agentIdentitySchema,
    /** What the agent is for. */
    purpose: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .meta({ description: 'What the agent is for, in a few sentences.' }),
    /** What the agent says it can do; informative, not a permission. */
    capabilities_declared: z.array(z.string().min(1, 'must not be empty')).default([]).meta({
      description:
        'What the agent says it can do (e.g. "strategic_review"); informative, not a permission.',
    }),
    /** Hard constraints (gates) and soft constraints (preferences). */
    constraints: constraintsSchema.optional(),
    /** What the hosting runtime must provide. */
    runtime_requirements: runtimeRequirementsSchema,
    /** Where the agent's memory, skills, goals and ledger live. */
    components: agentComponentsSchema.optional(),
  })
  .meta({
    title: 'Karnel agent manifest',
    description: "An agent's manifest.yaml: who the agent is and what it needs.",
  });

/** A validated agent `manifest.yaml`. */
export type AgentManifest = z.infer<typeof agentManifestSchema>;

/** The names of an agent's components. */
export const AGENT_COMPONENTS = ['memory', 'skills', 'goals', 'ledger'] as const;
