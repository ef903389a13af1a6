import { explainInvalidId, ID_PREFIXES } from '@karnel/core';
import { z } from 'zod';
import {
  adapterAuthSchema,
  adapterMoneySchema,
  adapterTimeoutsSchema,
  hermesSettingsSchema,
  notificationChannelSchema,
  refuseSecretLikeValues,
  replyKeySchema,
} from './adapter-settings-schema';
import { cadenceSchema, contactSchema, createdAtSchema, roleSchema } from './common-schemas';

/** The adapter types of spec v0.2 (Annex B). */
export const ADAPTER_TYPES = ['hermes', 'http', 'subprocess', 'human'] as const;

/** One of {@link ADAPTER_TYPES}. */
export type AdapterType = (typeof ADAPTER_TYPES)[number];

/** The adapter type of a foreign member. */
export const adapterTypeSchema: z.ZodEnum<Record<AdapterType, AdapterType>> = z
  .enum(ADAPTER_TYPES)
  .meta({
    description: 'The adapter: hermes, http, subprocess or human.',
  });

/**
 * A member's contract with the group: when it runs, what kind of task it takes, and the most a
 * single run may cost.
 */
export const memberContractSchema = z
  .strictObject({
    /** When the member runs. */
    cadence: cadenceSchema.optional(),
    /** The kind of task the member is given. */
    task_class: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .meta({ description: 'The kind of task the member is given (e.g. "research_synthesis").' }),
    /** The most one run may cost. */
    max_cost_per_run: z
      .number()
      .finite()
      .nonnegative('must be zero or more')
      .optional()
      .meta({ description: "The most one run may cost, in the treasury's currency (e.g. 0.50)." }),
  })
  .meta({ description: 'What the member agreed to: cadence, task class and cost ceiling.' });

/** A member contract. */
export type MemberContract = z.infer<typeof memberContractSchema>;

/** When a member joined and on what terms. */
export const membershipSchema = z
  .strictObject({
    /** When the member joined, RFC 3339. */
    joined_at: createdAtSchema.meta({
      description: 'When the member joined the group (RFC 3339).',
    }),
    /** Cadence, task class and cost ceiling the member agreed to. */
    contract: memberContractSchema.optional(),
  })
  .meta({ description: 'When the member joined and its contract.' });

/** A membership. */
export type Membership = z.infer<typeof membershipSchema>;

/**
 * Where a native member's agent lives: a directory inside the group (`./agents/researcher/`),
 * or an `agt_` id that a registry resolves.
 */
export const agentRefSchema = z
  .strictObject({
    /** A directory inside the group, or an `agt_` id for a registry lookup. */
    location: z
      .string()
      .min(1, 'must not be empty')
      .superRefine((value, context) => {
        if (!value.startsWith(`${ID_PREFIXES.agent}_`)) return;
        const problem = explainInvalidId(value, ID_PREFIXES.agent);
        if (problem)
          context.addIssue({
            code: 'custom',
            message: problem,
            params: { diagnosticCode: 'id/invalid' },
          });
      })
      .meta({
        description:
          'The agent directory, relative to the group directory (e.g. "./agents/researcher/"), or an "agt_" id to be looked up in a registry.',
      }),
  })
  .meta({ description: 'Where the member agent is: a local directory or a registry id.' });

/** An agent reference. */
export type AgentRef = z.infer<typeof agentRefSchema>;

// Fields of `adapter` that only some adapter types read (Annex B, section 8).
const FIELDS_BY_TYPE: Readonly<Record<string, readonly AdapterType[]>> = {
  skill_to_invoke: ['hermes'],
  'auth.signing_key': ['http'],
  'auth.api_key': ['hermes'],
  retries: ['http', 'hermes'],
  hermes: ['hermes'],
  notifications: ['human'],
  escalation_only: ['human'],
  public_key: ['human'],
};

/** How a foreign member is reached (Annex B, section 8). */
export const adapterSchema = z
  .strictObject({
    /** The adapter type. */
    type: adapterTypeSchema,
    /** Where the adapter reaches the member (URL, command or contact). */
    endpoint: z.string().min(1, 'must not be empty').optional().meta({
      description:
        'hermes and http: the base URL (http or https); hermes without one runs the hermes command line. subprocess: the command to run. human: how to reach the person (e-mail address or URL).',
    }),
    /** The foreign agent's skill to run (hermes). */
    skill_to_invoke: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .meta({ description: 'hermes: the skill the foreign agent runs for each task.' }),
    /** Task classes the adapter accepts; absent means any. */
    task_classes: z
      .array(z.string().min(1, 'must not be empty'))
      .optional()
      .meta({ description: 'The task classes the adapter accepts; absent means any.' }),
    /** Keys, by reference (`env:NAME`, `file:/path`), never the secret. */
    auth: adapterAuthSchema.optional(),
    /** Time limits. */
    timeouts: adapterTimeoutsSchema.optional(),
    /** Attempts after the first (http, hermes). */
    retries: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be zero or more')
      .max(20, 'must be at most 20')
      .optional()
      .meta({
        description:
          'http and hermes: attempts after the first (also reconnections of the Hermes event stream). Default 4.',
      }),
    /** The member's price per invocation, when known. */
    cost_per_invocation: adapterMoneySchema.optional().meta({
      description: "The member's price per invocation, when known: exact money.",
    }),
    /** Hermes: session and command-line settings. */
    hermes: hermesSettingsSchema.optional(),
    /** Human: how the person is told a message waits. */
    notifications: z
      .array(notificationChannelSchema)
      .optional()
      .meta({ description: 'human: how the person is told a message waits in their inbox.' }),
    /** Human: only escalations reach the person. */
    escalation_only: z
      .boolean()
      .optional()
      .meta({ description: 'human: only escalation messages reach the person.' }),
    /** Human: the key replies must be signed with. */
    public_key: replyKeySchema.optional(),
  })
  .superRefine((adapter, context) => {
    refuseSecretLikeValues(adapter, context);
    for (const [field, types] of Object.entries(FIELDS_BY_TYPE)) {
      const [key, sub] = field.split('.') as [keyof Adapter, string | undefined];
      const value = adapter[key] as unknown;
      const present = sub ? (value as Record<string, unknown> | undefined)?.[sub] : value;
      if (present === undefined || types.includes(adapter.type)) continue;
      context.addIssue({
        code: 'custom',
        path: sub ? [key, sub] : [key],
        message: `"${field}" is read only by ${types.join(' and ')} adapters, not ${adapter.type}`,
        params: { diagnosticCode: 'adapter/field-not-for-type' },
      });
    }
    if (adapter.endpoint === undefined) {
      // A hermes member without an endpoint runs the hermes command line.
      if (adapter.type === 'hermes') return;
      context.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: `a ${adapter.type} adapter needs an "endpoint"`,
        params: { diagnosticCode: 'adapter/missing-endpoint' },
      });
      return;
    }
    if ((adapter.type === 'hermes' || adapter.type === 'http') && !isHttpUrl(adapter.endpoint)) {
      context.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: `a ${adapter.type} adapter's endpoint must be an http:// or https:// URL, found "${adapter.endpoint}"`,
        params: { diagnosticCode: 'adapter/invalid-endpoint' },
      });
    }
  })
  .meta({ description: 'How the foreign member is reached (Annex B).' });

/** A foreign-agent adapter declaration. */
export type Adapter = z.infer<typeof adapterSchema>;

const nativeMemberSchema = z
  .strictObject({
    /** The member's role, unique in the group. */
    role: roleSchema,
    /** What kind of member or agent this is. */
    agent_kind: z
      .literal('karnel-native')
      .meta({ description: 'A Karnel agent with its own directory.' }),
    /** Where the member agent is. */
    agent_ref: agentRefSchema,
    /** When the member joined and on what terms. */
    membership: membershipSchema,
  })
  .meta({ title: 'Karnel-native member' });

const foreignMemberSchema = z
  .strictObject({
    /** The member's role, unique in the group. */
    role: roleSchema,
    /** What kind of member or agent this is. */
    agent_kind: z
      .literal('foreign')
      .meta({ description: 'An agent outside Karnel, reached through an adapter.' }),
    /** How the foreign member is reached. */
    adapter: adapterSchema,
    /** When the member joined and on what terms. */
    membership: membershipSchema,
  })
  .meta({ title: 'Foreign member' });

const humanMemberSchema = z
  .strictObject({
    /** The member's role, unique in the group. */
    role: roleSchema,
    /** What kind of member or agent this is. */
    agent_kind: z.literal('human').meta({ description: 'A person.' }),
    /** How to reach the person. */
    contact: contactSchema.optional().meta({
      description:
        'How to reach the person: an e-mail address, an https:/http:/mailto: URL or an @handle.',
    }),
    /** Whether the person is contacted only on escalation (then `contact` is required). */
    escalation_only: z.boolean().default(false).meta({
      description:
        'Whether the person is only contacted on escalation; such a member needs a contact.',
    }),
    /** How the person is told a message waits in their inbox. */
    notifications: z
      .array(notificationChannelSchema)
      .optional()
      .meta({ description: 'How the person is told a message waits in their inbox.' }),
    /** The key inbox replies must be signed with. */
    public_key: replyKeySchema.optional(),
    /** When the member joined and on what terms. */
    membership: membershipSchema.optional(),
  })
  .superRefine((member, context) => refuseSecretLikeValues(member, context))
  .meta({ title: 'Human member' });

/** The `member` block of a `members/*.yaml` file, by kind. */
export const memberSchema = z
  .discriminatedUnion('agent_kind', [nativeMemberSchema, foreignMemberSchema, humanMemberSchema], {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'expected "agent_kind" to be "karnel-native", "foreign" or "human"'
        : undefined,
  })
  .meta({
    description:
      'The member: its role, its kind, and how to reach it (agent directory, adapter or contact).',
  });

/** A member, by kind. */
export type Member = z.infer<typeof memberSchema>;

/**
 * A `members/*.yaml` file (spec section 2.2): one member of a group, native (an agent
 * directory), foreign (an adapter) or human.
 */
export const memberFileSchema = z
  .strictObject({
    /** The Karnel format version the file is written in (`"0.2"`). */
    karnel_spec_version: z
      .string()
      .optional()
      .meta({ description: "The Karnel format version; defaults to the group manifest's." }),
    /** The member. */
    member: memberSchema,
  })
  .meta({
    title: 'Karnel group member',
    description: 'One member of a group: a native agent, a foreign agent or a human.',
  });

/** A validated `members/*.yaml` file. */
export type MemberFile = z.infer<typeof memberFileSchema>;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
