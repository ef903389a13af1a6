import { join } from 'node:path';
import {
  cognitiveTierSchema,
  type Diagnostic,
  pathKind,
  readYamlFile,
  validateDocument,
} from '@karnel/core';
import { z } from 'zod';

/** The name of the curator's settings file at the root of a group directory. */
export const CURATOR_CONFIG_FILE = 'curator.yaml';

/**
 * `model_pass` of `curator.yaml`: the optional model pass that proposes consolidations of the
 * skill library after the deterministic pass. Off unless `enabled: true`; it only proposes.
 */
export const curatorModelPassSchema = z.strictObject({
  /** Whether the model pass runs. Default `false`: no model is called. */
  enabled: z.boolean().default(false),
  /** The cognitive tier it runs on, resolved from `tiers.yaml`. Default `bulk-cheap`. */
  tier: cognitiveTierSchema.default('bulk-cheap'),
  /**
   * The most one pass may cost, in the treasury's currency: reserved before the call, the
   * actual cost settled after. Default 0.05.
   */
  max_cost: z.number().positive().default(0.05),
  /** The most output tokens of the call (the pass's own budget line). Default 2 000. */
  max_output_tokens: z.number().int().positive().default(2000),
  /** The most skills listed in the index the model is given (most used first). Default 200. */
  max_skills: z.number().int().positive().default(200),
});

/** The settings of the curator's model pass. */
export type CuratorModelPassConfig = z.infer<typeof curatorModelPassSchema>;

/** `curator.yaml`: what the curator may not touch, and when a skill ages. */
export const curatorConfigSchema = z.strictObject({
  /** Skills the curator never grades down or moves: names, or paths relative to the group. */
  pinned: z.array(z.string().min(1)).default([]),
  /** Days without use after which a skill is `stale`. Default 14. */
  stale_after_days: z.number().int().positive().default(14),
  /** Days without use after which a skill is archived (moved, never deleted). Default 30. */
  archive_after_days: z.number().int().positive().default(30),
  /** Days since `last_reviewed` after which a hypothesis is flagged stale. Default 30. */
  hypothesis_stale_after_days: z.number().int().positive().default(30),
  /** The optional model pass that proposes consolidations. Default: off. */
  model_pass: curatorModelPassSchema.default(curatorModelPassSchema.parse({})),
});

/** The settings of a curator pass. */
export type CuratorConfig = z.infer<typeof curatorConfigSchema>;

/**
 * Reads `curator.yaml` of a group (the settings of the curator that keeps its skill library,
 * run by `@karnel/runtime`); a group without one gets the defaults. Mistakes are
 * diagnostics with file, line and column, and no config.
 */
export async function loadCuratorConfig(
  dir: string,
  options: {
    /** How diagnostics name the file. Default `curator.yaml`. */
    readonly displayPath?: string;
  } = {},
): Promise<{
  /** The settings read (defaults filled in); absent when the file has mistakes. */
  config?: CuratorConfig;
  /** The mistakes found in `curator.yaml`, with file, line and column; empty when it is valid. */
  diagnostics: readonly Diagnostic[];
}> {
  const path = join(dir, CURATOR_CONFIG_FILE);
  if ((await pathKind(path)) === 'missing')
    return { config: curatorConfigSchema.parse({}), diagnostics: [] };
  const validation = validateDocument(
    curatorConfigSchema,
    await readYamlFile(path, { displayPath: options.displayPath ?? CURATOR_CONFIG_FILE }),
  );
  return {
    ...(validation.value ? { config: validation.value } : {}),
    diagnostics: validation.diagnostics,
  };
}
