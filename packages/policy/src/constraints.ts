import {
  createDiagnostic,
  type Diagnostic,
  type DocumentPath,
  type SourcePosition,
} from '@karnel/core';
import { type Amount, formatAmount, parseAmount } from './amount';
import type { PolicyRule, SpendPeriod } from './policy-rule';

/** A hard constraint the policy engine enforces: a spend limit. */
export interface SpendLimitGate {
  /** The kind of gate. */
  readonly kind: 'spend-limit';
  /** The largest total the actor may reach without approval (or at all, without an approver). */
  readonly limit: Amount;
  /** The period spending is summed over; absent for a limit on each single action. */
  readonly period?: SpendPeriod;
  /** Who may approve spending over the limit; absent when the limit is absolute. */
  readonly approver?: string;
}

/** A hard constraint the policy engine enforces: an action that needs someone's approval. */
export interface ApprovalGate {
  /** The kind of gate. */
  readonly kind: 'approval-required';
  /** The action verb as written (`publish`). */
  readonly action: string;
  /** The capability the gate applies to (`publish`, `messaging.send`, `git:push`). */
  readonly capability: string;
  /** Who must approve (`owner`, or a role such as `critic`). */
  readonly approver: string;
}

/** A hard constraint the policy engine enforces: an action that is never allowed. */
export interface ForbiddenGate {
  /** The kind of gate. */
  readonly kind: 'forbidden';
  /** The action as written (`deploy to production`). */
  readonly action: string;
  /** The capability denied (`deploy:production`). */
  readonly capability: string;
}

/** One enforceable hard constraint. */
export type ConstraintGate = SpendLimitGate | ApprovalGate | ForbiddenGate;

/** How one hard constraint was classified. */
export type ConstraintClassification =
  | {
      /** The constraint is enforced by the policy engine. */
      readonly enforceable: true;
      /** Its index in `constraints.hard`. */
      readonly index: number;
      /** The constraint as written. */
      readonly text: string;
      /** The gate it becomes. */
      readonly gate: ConstraintGate;
      /** The policy rules that enforce it. */
      readonly rules: readonly PolicyRule[];
      /**
       * Set when the gate is broader than the sentence (it gates every publish, not only
       * "strategic decisions"): stricter than written, never looser. Says how.
       */
      readonly note?: string;
    }
  | {
      /** The constraint cannot be enforced by code. */
      readonly enforceable: false;
      /** Its index in `constraints.hard`. */
      readonly index: number;
      /** The constraint as written. */
      readonly text: string;
      /** Why code cannot enforce it. */
      readonly reason: string;
      /** How to rephrase it so that it can be. */
      readonly hint: string;
    };

/** The result of {@link analyzeConstraints}. */
export interface ConstraintAnalysis {
  /** One classification per hard constraint, in order. */
  readonly hard: readonly ConstraintClassification[];
  /** Every rule of the enforceable hard constraints, ready for {@link createPolicy}. */
  readonly rules: readonly PolicyRule[];
  /** Soft constraints, unchanged: preferences to put in prompts, never enforced. */
  readonly soft: readonly string[];
}

/** A manifest's `constraints` block. */
export interface ManifestConstraints {
  /** Hard constraints: enforced as gates, or reported as not enforceable. */
  readonly hard?: readonly string[];
  /** Soft constraints: preferences for prompts. */
  readonly soft?: readonly string[];
}

const periodWords: readonly [RegExp, SpendPeriod][] = [
  [/(\/\s*|\bper\s+|\ba\s+|\beach\s+|\bevery\s+)day\b|(?<![a-z])daily(?![a-z])/, 'day'],
  [/(\/\s*|\bper\s+|\ba\s+|\beach\s+|\bevery\s+)week\b|(?<![a-z])weekly(?![a-z])/, 'week'],
  [/(\/\s*|\bper\s+|\ba\s+|\beach\s+|\bevery\s+)month\b|(?<![a-z])monthly(?![a-z])/, 'month'],
];
const moneyPattern = /\$\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(usd|eur|gbp|dollars?|euros?)\b/;
const spendWords =
  /\b(spend|spending|spent|budget|cost|costs|pay|payment|purchase|buy|inference)\b|_budget|_cost|_spend/;
const approverPattern =
  /\b(?:without|unless approved by|unless|except with|requires?|needs?)\s+(?:an?\s+|the\s+)?([a-z][a-z0-9_-]*(?:\s+owner)?)(?:'s)?\s*(?:approval|review|sign[- ]?off|consent|approves?)\b|\bunless\s+(?:the\s+)?([a-z][a-z0-9_-]*)\s+approves\b|\bapproved by\s+(?:the\s+)?([a-z][a-z0-9_-]*)/;

/** Phrases (after "never") that map exactly to a capability. */
const exactActions: readonly [RegExp, (match: RegExpExecArray) => string][] = [
  [/^deploy(?: anything)?$/, () => 'deploy'],
  [/^deploy to ([a-z0-9_-]+)$/, (match) => `deploy:${match[1]}`],
  [/^(?:git )?push(?: to git| code| commits)?$/, () => 'git:push'],
  [/^(?:run|execute) (?:any )?(?:shell )?commands?$/, () => 'shell.exec'],
  [/^(?:read|access|use|reveal) (?:any )?secrets?$/, () => 'secrets.read'],
  [/^send (?:any )?(?:external )?(?:messages?|emails?|communications?)$/, () => 'messaging.send'],
  [/^(?:access|use) the (?:network|internet)$/, () => 'net'],
  [/^spend(?: any)? money$/, () => 'spend'],
  [/^(?:write|modify|change|delete|remove) (?:any )?files?$/, () => 'fs.write'],
  [/^publish(?: anything)?$/, () => 'publish'],
];

/** Verbs whose capability is known even when the rest of the sentence is not. */
const verbCapabilities: Readonly<Record<string, string>> = {
  publish: 'publish',
  post: 'publish',
  deploy: 'deploy',
  release: 'deploy',
  send: 'messaging.send',
  email: 'messaging.send',
  message: 'messaging.send',
  push: 'git:push',
  merge: 'git:merge',
  delete: 'fs.write',
  remove: 'fs.write',
  write: 'fs.write',
  modify: 'fs.write',
  run: 'shell.exec',
  execute: 'shell.exec',
  spend: 'spend',
  pay: 'spend',
  buy: 'spend',
  purchase: 'spend',
};

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!;]+$/, '');
}

function normalizeApprover(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const approver = raw.replace(/\s+/g, '_');
  if (approver === 'owner' || approver === 'human_owner' || approver === 'the_owner')
    return 'owner';
  if (approver === 'human' || approver === 'operator') return 'owner';
  return approver;
}

function findApprover(text: string): string | undefined {
  const match = approverPattern.exec(text);
  return normalizeApprover(match?.[1] ?? match?.[2] ?? match?.[3]);
}

function classifySpend(
  index: number,
  original: string,
  text: string,
): ConstraintClassification | undefined {
  const money = moneyPattern.exec(text);
  if (!money || !spendWords.test(text)) return undefined;
  const currencyWord = money[3];
  const currency = currencyWord?.startsWith('eur') ? 'EUR' : currencyWord === 'gbp' ? 'GBP' : 'USD';
  const amount = parseAmount(`${money[1] ?? money[2]} ${currency}`);
  if (!amount.ok) return undefined;
  // "< $50" means reaching $50 is already too much: one smallest unit below is the largest total allowed.
  const strict =
    /(<(?!=)|\bless than\b|\bbelow\b|\bunder\b)\s*\$?\s*\d/.test(text) && !/\bnever\b/.test(text);
  const limit: Amount = strict
    ? { ...amount.value, units: amount.value.units > 0n ? amount.value.units - 1n : 0n }
    : amount.value;
  const period = periodWords.find(([pattern]) => pattern.test(text))?.[1];
  const approver = findApprover(text);
  const gate: SpendLimitGate = {
    kind: 'spend-limit',
    limit,
    ...(period ? { period } : {}),
    ...(approver ? { approver } : {}),
  };
  const rule: PolicyRule = {
    id: `constraint: ${original}`,
    effect: approver ? 'needs-approval' : 'deny',
    capability: 'spend',
    when: { amountAbove: formatAmount(limit), ...(period ? { period } : {}) },
    description: `hard constraint "${original}"`,
  };
  const qualifier =
    /\bon ([a-z][a-z0-9 _-]*?)(?= without| unless| per| a week| each|$)|\b([a-z]+)_budget\b/.exec(
      text,
    );
  const subject =
    qualifier?.[1] ??
    (qualifier?.[2] && !['weekly', 'daily', 'monthly'].includes(qualifier[2])
      ? qualifier[2]
      : undefined);
  const inferenceOnly = /inference/.test(text) ? 'inference' : subject;
  return {
    enforceable: true,
    index,
    text: original,
    gate,
    rules: [rule],
    ...(inferenceOnly
      ? {
          note: `enforced on every spend request, not only on ${inferenceOnly} (stricter than written)`,
        }
      : {}),
  };
}

function classifyAction(
  index: number,
  original: string,
  text: string,
): ConstraintClassification | undefined {
  const never = /^(?:never|do not|don't|must not|no one may|nobody may)\s+(.+)$/.exec(text);
  if (!never) return undefined;
  const body = never[1]!;
  const approvalAt = body.search(/\s(?:without|unless)\s/);
  if (approvalAt >= 0) {
    const approver = findApprover(body.slice(approvalAt));
    if (!approver) return undefined;
    const action = body.slice(0, approvalAt).trim();
    const exact = exactActions.find(([pattern]) => pattern.test(action));
    const verb = action.split(' ')[0]!;
    const capability = exact ? exact[1](exact[0].exec(action)!) : verbCapabilities[verb];
    if (!capability) {
      return {
        enforceable: false,
        index,
        text: original,
        reason: `the action "${action}" does not map to a capability the policy engine sees`,
        hint: `start the sentence with a known action (${Object.keys(verbCapabilities).join(', ')}) or add a rule for a capability of your own to policy.yaml`,
      };
    }
    const gate: ApprovalGate = { kind: 'approval-required', action, capability, approver };
    return {
      enforceable: true,
      index,
      text: original,
      gate,
      rules: [
        {
          id: `constraint: ${original}`,
          effect: 'needs-approval',
          capability,
          description: `hard constraint "${original}"`,
        },
      ],
      ...(exact || action === verb
        ? {}
        : {
            note: `every ${capability} request needs ${approver} approval, not only "${action}" (stricter than written)`,
          }),
    };
  }
  const exact = exactActions.find(([pattern]) => pattern.test(body));
  if (!exact) {
    return {
      enforceable: false,
      index,
      text: original,
      reason: `"${body}" depends on facts the policy engine cannot check`,
      hint: 'enforce it inside the skill that acts, or rephrase it as a forbidden capability (e.g. "never deploy to production") or an approval ("never send email without owner approval")',
    };
  }
  const capability = exact[1](exact[0].exec(body)!);
  return {
    enforceable: true,
    index,
    text: original,
    gate: { kind: 'forbidden', action: body, capability },
    rules: [
      {
        id: `constraint: ${original}`,
        effect: 'deny',
        capability,
        description: `hard constraint "${original}"`,
      },
    ],
  };
}

/**
 * Classifies a manifest's hard constraints. Sentences with a money amount and a spending word
 * become spend limits (`never spend > $20/week without owner approval`,
 * `weekly_inference_budget < $50`); `never <action> without <role> approval` becomes an
 * approval gate; `never <action>` becomes a forbidden capability when the action maps exactly
 * to one. Everything else is returned as not enforceable, with the reason, so that
 * `karnel validate` can say so instead of silently ignoring it. Soft constraints are returned
 * as they are, for prompts.
 */
export function analyzeConstraints(
  constraints: ManifestConstraints | readonly string[] | undefined,
): ConstraintAnalysis {
  const hardList = Array.isArray(constraints)
    ? constraints
    : ((constraints as ManifestConstraints | undefined)?.hard ?? []);
  const soft = Array.isArray(constraints)
    ? []
    : ((constraints as ManifestConstraints | undefined)?.soft ?? []);
  const hard: ConstraintClassification[] = hardList.map((original, index) => {
    if (typeof original !== 'string' || original.trim() === '') {
      return {
        enforceable: false,
        index,
        text: String(original),
        reason: 'the constraint is empty',
        hint: 'write the constraint as a sentence',
      };
    }
    const text = normalize(original);
    return (
      classifySpend(index, original, text) ??
      classifyAction(index, original, text) ?? {
        enforceable: false,
        index,
        text: original,
        reason: 'it is not a spend limit, an approval requirement or a forbidden action',
        hint: 'phrase it as "never spend > $N/week without owner approval", "never <action> without <role> approval" or "never <action>"',
      }
    );
  });
  return {
    hard,
    rules: hard.flatMap((item) => (item.enforceable ? item.rules : [])),
    soft: [...soft],
  };
}

/**
 * Turns an analysis into diagnostics for a manifest: a warning (`constraint/unenforceable`) for
 * each hard constraint code cannot enforce and an info (`constraint/broader-gate`) for each gate
 * stricter than its sentence, positioned at the constraint in the file.
 *
 * @param options.file - The manifest's path as shown to the user.
 * @param options.position - Where a document path starts (a `SourceDocument`'s `position`).
 * @param options.path - The path of the `hard` list. Default `['constraints', 'hard']`.
 */
export function constraintDiagnostics(
  analysis: ConstraintAnalysis,
  options: { file: string; position: (path: DocumentPath) => SourcePosition; path?: DocumentPath },
): Diagnostic[] {
  const { file, position, path = ['constraints', 'hard'] } = options;
  const diagnostics: Diagnostic[] = [];
  for (const item of analysis.hard) {
    const at = position([...path, item.index]);
    if (!item.enforceable) {
      diagnostics.push(
        createDiagnostic({
          file,
          ...at,
          severity: 'warning',
          code: 'constraint/unenforceable',
          message: `hard constraint "${item.text}" cannot be enforced by the policy engine: ${item.reason}`,
          hint: item.hint,
        }),
      );
    } else if (item.note) {
      diagnostics.push(
        createDiagnostic({
          file,
          ...at,
          severity: 'info',
          code: 'constraint/broader-gate',
          message: `hard constraint "${item.text}": ${item.note}`,
        }),
      );
    }
  }
  return diagnostics;
}
