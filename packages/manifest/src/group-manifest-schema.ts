import { z } from 'zod';
import { modelClassSchema } from './agent-manifest-schema';
import {
  cadenceSchema,
  constraintsSchema,
  createdAtSchema,
  groupIdSchema,
  nameSchema,
  ownerSchema,
  relativePathSchema,
  roleSchema,
  specVersionSchema,
} from './common-schemas';
import { adapterSchema, membershipSchema } from './member-file-schema';

/** The phase a group is in: doing the work, building something new, or keeping things running. */
export const groupLifecycleSchema = z.enum(['work', 'build', 'maintain']).meta({
  description:
    'The group\'s current phase: "work" (operate), "build" (create something new) or "maintain" (keep it running).',
});

/** The `group` block: identity of the group. */
export const groupIdentitySchema = z
  .strictObject({
    id: groupIdSchema,
    name: nameSchema,
    created_at: createdAtSchema,
    owner: ownerSchema,
    lifecycle: groupLifecycleSchema,
  })
  .meta({
    description: 'Who the group is. The id never changes, whichever runtime hosts the group.',
  });

const memberReferencePathSchema = relativePathSchema.meta({
  description:
    'The member file, relative to the group directory (e.g. "./members/researcher.yaml").',
});

/**
 * A group member listed by reference: its details are in a `members/*.yaml` file. Native members
 * are listed this way, and so may foreign ones be.
 */
export const referencedMemberEntrySchema = z
  .strictObject({
    role: roleSchema,
    agent_kind: z
      .literal('karnel-native')
      .optional()
      .meta({ description: 'Omitted or "karnel-native" for a member described by a member file.' }),
    agent_ref: memberReferencePathSchema,
    cadence: cadenceSchema.optional(),
    model_class: modelClassSchema.optional(),
  })
  .meta({ title: 'Member by reference' });

/** A foreign member: described inline with its adapter, or by reference to a member file. */
export const foreignMemberEntrySchema = z
  .strictObject({
    role: roleSchema,
    agent_kind: z
      .literal('foreign')
      .meta({ description: 'An agent outside Karnel, reached through an adapter.' }),
    agent_ref: memberReferencePathSchema.optional(),
    adapter: adapterSchema.optional(),
    membership: membershipSchema.optional(),
    cadence: cadenceSchema.optional(),
    model_class: modelClassSchema.optional(),
  })
  .superRefine((entry, context) => {
    if ((entry.agent_ref === undefined) === (entry.adapter === undefined)) {
      context.addIssue({
        code: 'custom',
        message:
          'a foreign member needs either "agent_ref" (a member file) or an inline "adapter", not both',
        params: { diagnosticCode: 'member/foreign-needs-adapter' },
      });
    }
  })
  .meta({ title: 'Foreign member' });

/** A human member: a person the group escalates to or works with. */
export const humanMemberEntrySchema = z
  .strictObject({
    role: roleSchema,
    agent_kind: z.literal('human').meta({ description: 'A person.' }),
    contact: z.string().min(1, 'must not be empty').optional().meta({
      description:
        'How to reach the person (e-mail address or URL); required with escalation_only.',
    }),
    escalation_only: z.boolean().default(false).meta({
      description:
        'Whether the person is only contacted on escalation; such a member needs a contact.',
    }),
  })
  .meta({ title: 'Human member' });

/** One entry of a group manifest's `members` list. */
export const groupMemberEntrySchema = z
  .discriminatedUnion(
    'agent_kind',
    [referencedMemberEntrySchema, foreignMemberEntrySchema, humanMemberEntrySchema],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? 'expected "agent_kind" to be omitted, "karnel-native", "foreign" or "human"'
          : undefined,
    },
  )
  .meta({
    description:
      'One member: by reference to a members/*.yaml file, a foreign agent with an inline adapter, or a human.',
  });

/** One member entry of a group manifest. */
export type GroupMemberEntry = z.infer<typeof groupMemberEntrySchema>;

/** Where a group's shared parts live, relative to its directory. */
export const groupComponentsSchema = z
  .strictObject({
    memory: relativePathSchema
      .optional()
      .meta({ description: 'Group memory folder (episodic.jsonl, semantic/, strategic.yaml).' }),
    goals: relativePathSchema
      .optional()
      .meta({ description: 'Group goals folder (current.yaml).' }),
    ledger: relativePathSchema.optional().meta({
      description: 'Group ledger folder (decisions/, outcomes/, coordination_log.jsonl).',
    }),
    treasury: relativePathSchema
      .optional()
      .meta({ description: 'Treasury folder (balances.yaml, allocation_rules.yaml).' }),
  })
  .meta({
    description:
      "Where the group's memory, goals, ledger and treasury live, relative to its directory.",
  });

/**
 * A group's `manifest.yaml` (spec section 2.1): identity, mission, constraints, members,
 * coordination protocol and shared components.
 */
export const groupManifestSchema = z
  .strictObject({
    karnel_spec_version: specVersionSchema,
    group: groupIdentitySchema,
    mission: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .meta({ description: 'What the group exists to do.' }),
    vision: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .optional()
      .meta({ description: 'Where the group wants to be.' }),
    constraints: constraintsSchema.optional(),
    members: z.array(groupMemberEntrySchema).min(1, 'a group needs at least one member').meta({
      description:
        'The members: by reference to members/*.yaml, foreign inline, or human. Roles are unique.',
    }),
    coordination_ref: relativePathSchema.optional().meta({
      description: 'The coordination protocol file, e.g. "./coordination/protocol.yaml".',
    }),
    components: groupComponentsSchema.optional(),
  })
  .meta({
    title: 'Karnel group manifest',
    description:
      "A group's manifest.yaml: who the group is, its members and how they work together.",
  });

/** A validated group `manifest.yaml`. */
export type GroupManifest = z.infer<typeof groupManifestSchema>;

/** The names of a group's components. */
export const GROUP_COMPONENTS = ['memory', 'goals', 'ledger', 'treasury'] as const;
