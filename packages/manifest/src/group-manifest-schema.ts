import { z } from 'zod';
import { modelClassSchema } from './agent-manifest-schema';
import {
  cadenceSchema,
  constraintsSchema,
  contactSchema,
  createdAtSchema,
  groupIdSchema,
  nameSchema,
  ownerSchema,
  relativePathSchema,
  roleSchema,
  specVersionSchema,
} from './common-schemas';
import { adapterSchema, membershipSchema } from './member-file-schema';

/** The phases of a group's life. */
export const GROUP_LIFECYCLES = ['work', 'build', 'maintain'] as const;

/** One of {@link GROUP_LIFECYCLES}. */
export type GroupLifecycle = (typeof GROUP_LIFECYCLES)[number];

/** The phase a group is in: doing the work, building something new, or keeping things running. */
export const groupLifecycleSchema: z.ZodEnum<Record<GroupLifecycle, GroupLifecycle>> = z
  .enum(GROUP_LIFECYCLES)
  .meta({
    description:
      'The group\'s current phase: "work" (operate), "build" (create something new) or "maintain" (keep it running).',
  });

/** The `group` block: identity of the group. */
export const groupIdentitySchema = z
  .strictObject({
    /** Immutable group id, `grp_<ULID>`. */
    id: groupIdSchema,
    /** Human-readable name; may change, unlike the id. */
    name: nameSchema,
    /** Creation time, RFC 3339. */
    created_at: createdAtSchema,
    /** The single owner: a `did:key` or `ed25519:` public key. */
    owner: ownerSchema,
    /** The phase the group is in. */
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
    /** The member's role, unique in the group. */
    role: roleSchema,
    /** What kind of member or agent this is. */
    agent_kind: z
      .literal('karnel-native')
      .optional()
      .meta({ description: 'Omitted or "karnel-native" for a member described by a member file.' }),
    /** The member file, e.g. `./members/researcher.yaml`. */
    agent_ref: memberReferencePathSchema,
    /** When the member runs. */
    cadence: cadenceSchema.optional(),
    /** The cognitive tier the role needs. */
    model_class: modelClassSchema.optional(),
  })
  .meta({ title: 'Member by reference' });

/** A foreign member: described inline with its adapter, or by reference to a member file. */
export const foreignMemberEntrySchema = z
  .strictObject({
    /** The member's role, unique in the group. */
    role: roleSchema,
    /** What kind of member or agent this is. */
    agent_kind: z
      .literal('foreign')
      .meta({ description: 'An agent outside Karnel, reached through an adapter.' }),
    /** The member file, e.g. `./members/researcher.yaml`. */
    agent_ref: memberReferencePathSchema.optional(),
    /** How the foreign member is reached. */
    adapter: adapterSchema.optional(),
    /** When the member joined and on what terms. */
    membership: membershipSchema.optional(),
    /** When the member runs. */
    cadence: cadenceSchema.optional(),
    /** The cognitive tier the role needs. */
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
    /** The member's role, unique in the group. */
    role: roleSchema,
    /** What kind of member or agent this is. */
    agent_kind: z.literal('human').meta({ description: 'A person.' }),
    /** How to reach the person. */
    contact: contactSchema.optional().meta({
      description:
        'How to reach the person: an e-mail address, an https:/http:/mailto: URL or an @handle; required with escalation_only.',
    }),
    /** Whether the person is contacted only on escalation (then `contact` is required). */
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
    /** The memory folder. */
    memory: relativePathSchema
      .optional()
      .meta({ description: 'Group memory folder (episodic.jsonl, semantic/, strategic.yaml).' }),
    /** The goals folder. */
    goals: relativePathSchema
      .optional()
      .meta({ description: 'Group goals folder (current.yaml).' }),
    /** The ledger folder. */
    ledger: relativePathSchema.optional().meta({
      description: 'Group ledger folder (decisions/, outcomes/, coordination_log.jsonl).',
    }),
    /** The treasury folder. */
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
    /** The Karnel format version the file is written in (`"0.2"`). */
    karnel_spec_version: specVersionSchema,
    /** Who the group is. */
    group: groupIdentitySchema,
    /** What the group exists to do. */
    mission: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .meta({ description: 'What the group exists to do.' }),
    /** Where the group wants to be. */
    vision: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .optional()
      .meta({ description: 'Where the group wants to be.' }),
    /** Hard constraints (gates) and soft constraints (preferences). */
    constraints: constraintsSchema.optional(),
    /** The members; roles are unique. */
    members: z.array(groupMemberEntrySchema).min(1, 'a group needs at least one member').meta({
      description:
        'The members: by reference to members/*.yaml, foreign inline, or human. Roles are unique.',
    }),
    /** The coordination protocol file. */
    coordination_ref: relativePathSchema.optional().meta({
      description: 'The coordination protocol file, e.g. "./coordination/protocol.yaml".',
    }),
    /** Where the group's memory, goals, ledger and treasury live. */
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
