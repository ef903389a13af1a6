import {
  closestMatch,
  createDiagnostic,
  type Diagnostic,
  hasErrors,
  readYamlFile,
  type SourceDocument,
  sortDiagnostics,
  validateDocument,
} from '@karnel/core';
import { z } from 'zod';
import { parseAmount } from './amount';
import { BUILT_IN_CAPABILITY_NAMES, capabilitySchema, parseCapability } from './capability';
import { parseDuration } from './duration';
import { isReadCapability } from './policy-engine';
import type { PolicyEffect, PolicyRule, SpendPeriod } from './policy-rule';

/** The policy file format versions this package reads. */
export const POLICY_FILE_VERSIONS = ['0.1'] as const;

/** One of {@link POLICY_FILE_VERSIONS}. */
export type PolicyFileVersion = (typeof POLICY_FILE_VERSIONS)[number];

// Enum schemas typed by name, so that the documentation shows `PolicyEffect` rather than an
// object of undocumented values.
const versionSchema: z.ZodEnum<Record<PolicyFileVersion, PolicyFileVersion>> =
  z.enum(POLICY_FILE_VERSIONS);
const effectSchema: z.ZodEnum<Record<PolicyEffect, PolicyEffect>> = z.enum([
  'allow',
  'deny',
  'needs-approval',
]);
const periodSchema: z.ZodEnum<Record<SpendPeriod, SpendPeriod>> = z.enum(['day', 'week', 'month']);

const durationSchema = z.string().superRefine((value, context) => {
  if (parseDuration(value) === undefined) {
    context.addIssue({
      code: 'custom',
      message: `"${value}" is not a duration (e.g. 30m, 24h, 7d)`,
      params: { diagnosticCode: 'policy/bad-duration' },
    });
  }
});

const amountSchema = z.union([z.string(), z.number()]).superRefine((value, context) => {
  const parsed = parseAmount(value);
  if (!parsed.ok)
    context.addIssue({
      code: 'custom',
      message: parsed.message,
      params: { diagnosticCode: 'policy/bad-amount' },
    });
});

/** One rule in a policy file. */
export const policyRuleSchema = z.strictObject({
  /** A name for the rule, reported in decisions. */
  id: z.string().min(1).optional(),
  /** What the rule does. */
  effect: effectSchema,
  /** The capability pattern. */
  capability: capabilitySchema,
  /** Actor patterns; default all. */
  actors: z.array(z.string().min(1)).min(1).optional(),
  /** Only for spend: apply above an amount, optionally summed over a period. */
  when: z
    .strictObject({
      /** Apply only when the amount (plus the period's spending) is above this. */
      amount_above: amountSchema,
      /** Sum the request with what was spent in this period. */
      period: periodSchema.optional(),
    })
    .optional(),
  /** Why the rule exists. */
  description: z.string().optional(),
});

/** The schema of a policy file (`policy.yaml`, or a template). */
export const policyFileSchema = z.strictObject({
  /** The format version: `"0.1"`. */
  karnel_policy_version: versionSchema,
  /** A short name (`read-only-researcher`). */
  name: z.string().min(1).optional(),
  /** What the policy is for. */
  description: z.string().optional(),
  /** The rules; order does not matter. An empty list denies everything. */
  rules: z.array(policyRuleSchema).default([]),
  /** What safe mode keeps. */
  safe_mode: z
    .strictObject({
      /** Read capabilities still allowed in safe mode (only reads). */
      keep: z.array(capabilitySchema).default([]),
      /** Enter safe mode automatically after this many denials within `within`. */
      repeated_denials: z
        .strictObject({
          /** How many denials trip safe mode (at least 1). */
          count: z.number().int().min(1),
          /** The sliding window the denials are counted in (`10m`, `1h`). */
          within: durationSchema,
        })
        .optional(),
      /** Enter safe mode automatically when spending goes over a budget. Default true. */
      on_budget_overrun: z.boolean().default(true),
    })
    .optional(),
  /** Approval settings. */
  approvals: z
    .strictObject({
      /** How long an approval request stays open, and an approval stays usable. Default 24h. */
      ttl: durationSchema.default('24h'),
    })
    .optional(),
});

/** A validated policy file. */
export type PolicyFile = z.infer<typeof policyFileSchema>;

/** The result of {@link validatePolicyFile}. */
export interface PolicyFileValidation {
  /** The validated file; absent when there are errors. */
  readonly value?: PolicyFile;
  /** The rules, with their source positions, ready for `createPolicy`. Empty when there are errors. */
  readonly rules: readonly PolicyRule[];
  /** Every problem, with file, line and column. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Options of {@link validatePolicyFile}. */
export interface ValidatePolicyFileOptions {
  /** The path to show in diagnostics. Default: the path as given. */
  readonly displayPath?: string;
  /**
   * The folder the file must really be inside (its group's root): a file that a symbolic link
   * leads out of it is not read, it is the error `file/outside-root`. Default: none.
   */
  readonly root?: string;
}

/**
 * Reads and validates a policy file. Never throws for a user's mistake: every problem is a
 * diagnostic pointing at its line and column. Beyond the schema it checks that rule ids are
 * unique, that `when` is only used on `spend`, that safe mode keeps only reads, and warns about
 * capability names that look like typos of built-in ones.
 */
export async function validatePolicyFile(
  path: string,
  { displayPath = path, root }: ValidatePolicyFileOptions = {},
): Promise<PolicyFileValidation> {
  const document = await readYamlFile(path, {
    displayPath,
    ...(root === undefined ? {} : { root }),
  });
  return validatePolicyDocument(document);
}

/** Validates an already parsed policy document (see {@link validatePolicyFile}). */
export function validatePolicyDocument(document: SourceDocument): PolicyFileValidation {
  const validation = validateDocument(policyFileSchema, document);
  const diagnostics: Diagnostic[] = [...validation.diagnostics];
  const value = validation.value;
  if (!value) return { rules: [], diagnostics };
  const at = (path: (string | number)[]) => ({ file: document.file, ...document.position(path) });
  const seenIds = new Map<string, number>();
  value.rules.forEach((rule, index) => {
    const parsed = parseCapability(rule.capability);
    const name = parsed.ok ? parsed.value.name : '';
    if (name !== '*' && !BUILT_IN_CAPABILITY_NAMES.includes(name)) {
      const suggestion = closestMatch(name, BUILT_IN_CAPABILITY_NAMES);
      if (suggestion) {
        diagnostics.push(
          createDiagnostic({
            ...at(['rules', index, 'capability']),
            severity: 'warning',
            code: 'policy/unknown-capability',
            message: `"${name}" is not a built-in capability; it is treated as a user-defined one`,
            hint: `did you mean "${suggestion}"?`,
          }),
        );
      }
    }
    if (rule.when && name !== 'spend') {
      diagnostics.push(
        createDiagnostic({
          ...at(['rules', index, 'when']),
          code: 'policy/when-not-spend',
          message: '"when" conditions apply only to spend rules',
        }),
      );
    }
    if (rule.id !== undefined) {
      const first = seenIds.get(rule.id);
      if (first !== undefined) {
        diagnostics.push(
          createDiagnostic({
            ...at(['rules', index, 'id']),
            code: 'policy/duplicate-rule-id',
            message: `rule id "${rule.id}" is already used by rules[${first}]; decisions name rules by id, so ids must be unique`,
          }),
        );
      } else seenIds.set(rule.id, index);
    }
  });
  value.safe_mode?.keep.forEach((entry, index) => {
    const parsed = parseCapability(entry);
    if (parsed.ok && !isReadCapability(parsed.value.name)) {
      diagnostics.push(
        createDiagnostic({
          ...at(['safe_mode', 'keep', index]),
          code: 'policy/safe-mode-not-read',
          message: `safe mode may keep only reads (fs.read or another *.read except secrets.read), not "${entry}"`,
        }),
      );
    }
  });
  if (hasErrors(diagnostics)) return { rules: [], diagnostics: sortDiagnostics(diagnostics) };
  const rules: PolicyRule[] = value.rules.map((rule, index) => {
    const position = document.position(['rules', index]);
    return {
      ...(rule.id !== undefined ? { id: rule.id } : {}),
      effect: rule.effect,
      capability: rule.capability,
      ...(rule.actors ? { actors: rule.actors } : {}),
      ...(rule.when
        ? {
            when: {
              amountAbove: rule.when.amount_above,
              ...(rule.when.period ? { period: rule.when.period } : {}),
            },
          }
        : {}),
      ...(rule.description !== undefined ? { description: rule.description } : {}),
      source: { file: document.file, line: position.line, column: position.column },
    };
  });
  return { value, rules, diagnostics: sortDiagnostics(diagnostics) };
}
