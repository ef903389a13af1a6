import { parseCost } from '@karnel/core';
import { z } from 'zod';
import { PROVIDER_KINDS, type ProviderKind } from './provider-kinds';

/**
 * A price per million tokens: exact decimal text in the treasury's currency (`"0.15"`), at most
 * 12 decimals. A YAML number is refused: a binary float cannot hold `0.1`.
 */
export const priceTextSchema: z.ZodType<string> = z
  .string()
  .regex(/^\d+(\.\d+)?$/, {
    message: 'a price is decimal text like "0.15": digits, an optional point and digits, no sign',
    abort: true,
  })
  .superRefine((value, context) => {
    const parsed = parseCost(value);
    if (!parsed.ok)
      context.addIssue({
        code: 'custom',
        message: parsed.message,
        params: { diagnosticCode: 'tiers/bad-price' },
      });
  });

/** Prices of a candidate, each per million tokens. */
export const candidatePriceSchema = z.strictObject({
  /** Per million uncached input tokens. */
  input: priceTextSchema,
  /** Per million output tokens. */
  output: priceTextSchema,
  /** Per million cached input tokens read; default: the input price. */
  cached_input: priceTextSchema.optional(),
});

/** What a local model needs of the machine. */
export const machineNeedsSchema = z.strictObject({
  /** Free RAM it needs, in GiB. */
  ram_gb: z.number().positive().optional(),
  /** Whether it needs a GPU. */
  gpu: z.boolean().optional(),
  /** GPU memory it needs, in GiB. */
  vram_gb: z.number().positive().optional(),
});

/** One candidate of a tier. */
export const candidateSchema = z.strictObject({
  /** `provider:model`, split at the first colon. */
  model: z.string().min(3),
  /** Prices per million tokens; required for a cloud provider, default zero for a local one. */
  price: candidatePriceSchema.optional(),
  /** Context window in tokens. */
  context_window: z.number().int().positive().optional(),
  /** What the machine needs to run it (local models). */
  needs: machineNeedsSchema.optional(),
});

const providerKindSchema: z.ZodType<ProviderKind> = z.enum(PROVIDER_KINDS);

/** A provider declared in a `tiers.yaml`. */
export const providerSettingsSchema = z.strictObject({
  /** Which AI SDK provider serves it; default the name when it is a built-in one. */
  kind: providerKindSchema.optional(),
  /** Base URL of its API. */
  base_url: z.url().optional(),
  /** Name of the environment variable holding its key. */
  api_key_env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name, like LAB_API_KEY')
    .optional(),
  /** The key itself: only in the machine-level file, never in a group or agent directory. */
  api_key: z.string().min(1).optional(),
  /**
   * `false` marks a provider on a loopback URL as off this machine — a local proxy or tunnel to
   * a remote API — so `local-private` never uses it. A provider off loopback is never local.
   */
  local: z.literal(false).optional(),
  /** How long to wait for a response's first byte before falling back, ms. Default 30 000. */
  timeout_ms: z.number().int().positive().optional(),
});

/**
 * The `tiers.yaml` file (Annex D, section 2): provider settings and, per tier, its ordered
 * candidates. Tier names, provider names, duplicates and keys are checked by
 * `validateTiersFile` with positions, beyond this schema.
 */
export const tiersFileSchema = z.strictObject({
  /** Providers by name. */
  providers: z.record(z.string(), providerSettingsSchema).optional(),
  /** Candidates by tier (a tier name or `T1`–`T4`), in order of preference. */
  tiers: z.record(z.string(), z.array(candidateSchema).min(1)).optional(),
});

/** A `tiers.yaml` as its schema reads it. */
export type TiersFile = z.output<typeof tiersFileSchema>;

/** A candidate as written in a `tiers.yaml`. */
export type CandidateEntry = z.output<typeof candidateSchema>;

/** A provider as declared in a `tiers.yaml`. */
export type ProviderSettings = z.output<typeof providerSettingsSchema>;
