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

/** Whether an agent runs on a Karnel runtime or is reached through an adapter. */
export const agentKindSchema = z.enum(['karnel-native', 'foreign']).meta({
  description:
    '"karnel-native" for an agent a Karnel runtime hosts; "foreign" for one reached through an adapter.',
});

/** The `agent` block: identity of the agent. */
export const agentIdentitySchema = z
  .strictObject({
    id: agentIdSchema,
    name: nameSchema,
    created_at: createdAtSchema,
    owner: ownerSchema,
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
    model_class: modelClassSchema,
    tools_required: z.array(z.string().min(1, 'must not be empty')).default([]).meta({
      description: 'Tools the runtime must provide (e.g. "memory_access", "ledger_write").',
    }),
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
    memory: relativePathSchema.optional().meta({
      description: 'Memory folder (episodic.jsonl, semantic/, strategic.yaml); usually "./memory".',
    }),
    skills: relativePathSchema.optional().meta({
      description: 'Skills folder, one sub-folder per skill with a SKILL.md; usually "./skills".',
    }),
    goals: relativePathSchema.optional().meta({
      description: 'Goals folder (current.yaml); optional when the agent belongs to a group.',
    }),
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
    karnel_spec_version: specVersionSchema,
    agent: agentIdentitySchema,
    purpose: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .meta({ description: 'What the agent is for, in a few sentences.' }),
    capabilities_declared: z.array(z.string().min(1, 'must not be empty')).default([]).meta({
      description:
        'What the agent says it can do (e.g. "strategic_review"); informative, not a permission.',
    }),
    constraints: constraintsSchema.optional(),
    runtime_requirements: runtimeRequirementsSchema,
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
