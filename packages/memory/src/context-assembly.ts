import { InvalidArgumentError } from '@karnel/core';
import { assertMemoryStore } from './assert-memory-store';
import type { Episode } from './episode';
import type { MemoryStore, SearchFilter, SearchMode } from './memory-store';
import type { Hypothesis, StrategicMemory } from './strategic-memory';

/** Estimates how many tokens a text costs in the target model's context. */
export type TokenEstimator = (text: string) => number;

/**
 * The default {@link TokenEstimator}: one token per four characters, rounded up — the usual
 * rule of thumb for English with BPE tokenizers. Pass the model's own tokenizer for precision.
 */
export function estimateTokensByCharacters(text: string): number {
  return Math.ceil(text.length / 4);
}

/** What share of the budget each tier may use before the rest passes on to the next tier. */
export interface ContextShares {
  /** Strategic memory (hypotheses, priors, self-model). Default 0.25. */
  strategic?: number;
  /** Semantic search hits. Default 0.5. */
  semantic?: number;
}

/** Options of {@link assembleContext}. */
export interface AssembleContextOptions {
  /** The memory to draw from. */
  store: MemoryStore;
  /** The task the context is for; it is the query of the semantic search. */
  task: string;
  /** The most tokens the assembled context may cost. */
  budgetTokens: number;
  /** How tokens are counted. Default {@link estimateTokensByCharacters}. */
  estimateTokens?: TokenEstimator;
  /** How many semantic hits to consider. Default 8. */
  semanticHits?: number;
  /** How many recent episodes to consider. Default 10. */
  recentEpisodes?: number;
  /** Which semantic items may be used. */
  filter?: SearchFilter;
  /** Budget shares of the first two tiers. */
  shares?: ContextShares;
  /** Leave retired hypotheses out. Default `true`. */
  skipRetiredHypotheses?: boolean;
}

/** One entry of an assembled context. */
export interface ContextItem {
  /** The tier it comes from. */
  readonly tier: 'strategic' | 'semantic' | 'episodic';
  /** What it is: a hypothesis id, `prior`, `self_model`, a semantic item id or an episode id. */
  readonly ref: string;
  /** The text as it appears in the context. */
  readonly text: string;
  /** Its cost by the estimator. */
  readonly tokens: number;
  /** Why it was chosen, in one sentence. */
  readonly reason: string;
}

/** What {@link assembleContext} returns. */
export interface AssembledContext {
  /** The chosen entries, in the order they appear in {@link AssembledContext.text}. */
  readonly items: readonly ContextItem[];
  /** Candidates left out, with the reason (usually: no budget left). */
  readonly omitted: readonly ContextItem[];
  /** Tokens used: the sum of the items' tokens, never more than the budget. */
  readonly usedTokens: number;
  /** The budget given. */
  readonly budgetTokens: number;
  /** How the semantic search ran. */
  readonly searchMode: SearchMode;
  /** The context as text: one line per item, tiers in order. */
  readonly text: string;
}

/**
 * Builds the memory part of a model's context for a task, within a token budget: first what the
 * agent believes (strategic memory: active hypotheses by confidence, priors, self-model), then
 * the semantic items most relevant to the task, then the most recent episodes. Each tier may
 * use its share of the budget plus whatever the tiers before it left; an entry that does not
 * fit is skipped (and listed in `omitted`), and a smaller one after it may still fit. Every
 * chosen entry says why it was chosen.
 *
 * The result never costs more than `budgetTokens` by `estimateTokens`.
 */
export async function assembleContext({
  store,
  task,
  budgetTokens,
  estimateTokens = estimateTokensByCharacters,
  semanticHits = 8,
  recentEpisodes = 10,
  filter,
  shares = {},
  skipRetiredHypotheses = true,
}: AssembleContextOptions): Promise<AssembledContext> {
  assertMemoryStore(store);
  if (!Number.isFinite(budgetTokens) || budgetTokens < 0) {
    throw new InvalidArgumentError({
      argument: 'budgetTokens',
      value: budgetTokens,
      message: 'must be a non-negative number',
    });
  }
  const strategicShare = shares.strategic ?? 0.25;
  const semanticShare = shares.semantic ?? 0.5;
  for (const [name, share] of [
    ['shares.strategic', strategicShare],
    ['shares.semantic', semanticShare],
  ] as const) {
    if (!(share >= 0 && share <= 1))
      throw new InvalidArgumentError({
        argument: name,
        value: share,
        message: 'must be between 0 and 1',
      });
  }
  const [strategic, search, episodes] = await Promise.all([
    store.readStrategic(),
    semanticHits > 0 && task.trim() !== ''
      ? store.search(task, { k: semanticHits, filter, tiers: ['semantic'] })
      : undefined,
    recentEpisodes > 0
      ? store.readEpisodes({ order: 'desc', limit: recentEpisodes })
      : Promise.resolve([] as Episode[]),
  ]);

  const items: ContextItem[] = [];
  const omitted: ContextItem[] = [];
  let used = 0;
  const fill = (candidates: readonly Omit<ContextItem, 'tokens'>[], allowance: number) => {
    let spent = 0;
    for (const candidate of candidates) {
      const item: ContextItem = { ...candidate, tokens: estimateTokens(candidate.text) };
      if (spent + item.tokens <= allowance && used + item.tokens <= budgetTokens) {
        items.push(item);
        spent += item.tokens;
        used += item.tokens;
      } else {
        omitted.push({
          ...item,
          reason: `${item.reason}; left out: it did not fit in the remaining budget`,
        });
      }
    }
  };

  fill(strategicCandidates(strategic, skipRetiredHypotheses), budgetTokens * strategicShare);
  const semanticIds = new Set<string>();
  const semantic = (search?.hits ?? []).map((hit, index) => {
    semanticIds.add(hit.item.id);
    const how = search!.mode === 'hybrid' ? 'hybrid' : search!.mode;
    return {
      tier: 'semantic' as const,
      ref: hit.item.id,
      text: `${hit.item.title ? `${hit.item.title}: ` : ''}${hit.item.text}${hit.item.sources.length ? ` [sources: ${hit.item.sources.join(', ')}]` : ''}`,
      reason: `semantic match #${index + 1} for the task (${how} search, score ${formatScore(hit.score)})`,
    };
  });
  fill(semantic, budgetTokens * (strategicShare + semanticShare) - used);
  const newest = episodes[0] ? Date.parse(episodes[0].at) : 0;
  const recent = episodes
    .filter((episode) => !(episode.sources ?? []).some((source) => semanticIds.has(source)))
    .map((episode, index) => ({
      tier: 'episodic' as const,
      ref: episode.id,
      text: `${episode.at} ${episode.kind}: ${episode.text}`,
      reason:
        index === 0
          ? 'the most recent episode'
          : `recent episode #${index + 1} (${formatAge(newest - Date.parse(episode.at))} before the most recent)`,
    }));
  fill(recent, budgetTokens - used);

  const order = { strategic: 0, semantic: 1, episodic: 2 } as const;
  const sorted = [...items].sort((a, b) => order[a.tier] - order[b.tier]);
  return {
    items: sorted,
    omitted,
    usedTokens: used,
    budgetTokens,
    searchMode: search?.mode ?? 'full-text',
    text: sorted.map((item) => item.text).join('\n'),
  };
}

function strategicCandidates(
  strategic: StrategicMemory,
  skipRetired: boolean,
): Omit<ContextItem, 'tokens'>[] {
  const candidates: Omit<ContextItem, 'tokens'>[] = [];
  const hypotheses = (strategic.hypotheses ?? [])
    .filter((hypothesis) => !(skipRetired && hypothesis.status === 'retired'))
    .sort((a, b) => b.confidence - a.confidence);
  for (const hypothesis of hypotheses) {
    candidates.push({
      tier: 'strategic',
      ref: hypothesis.id,
      text: describeHypothesis(hypothesis),
      reason: `${hypothesis.status === 'retired' ? 'retired' : 'active'} hypothesis (confidence ${hypothesis.confidence}${hypothesis.last_reviewed ? `, last reviewed ${hypothesis.last_reviewed}` : ''})`,
    });
  }
  for (const prior of strategic.priors ?? []) {
    candidates.push({
      tier: 'strategic',
      ref: 'prior',
      text: `Prior: ${prior}`,
      reason: 'a prior the agent reasons from',
    });
  }
  const model = strategic.self_model;
  const parts: [string, readonly string[] | undefined][] = [
    ['Strengths', model?.strengths_observed],
    ['Weaknesses', model?.weaknesses_observed],
    ['Open questions', model?.open_questions],
  ];
  for (const [label, entries] of parts) {
    if (entries && entries.length > 0) {
      candidates.push({
        tier: 'strategic',
        ref: 'self_model',
        text: `${label}: ${entries.join('; ')}`,
        reason: `self-model: ${label.toLowerCase()} observed so far`,
      });
    }
  }
  return candidates;
}

function describeHypothesis(hypothesis: Hypothesis): string {
  const evidence = `${hypothesis.evidence_for?.length ?? 0} for, ${hypothesis.evidence_against?.length ?? 0} against`;
  return `Hypothesis ${hypothesis.id} (confidence ${hypothesis.confidence}; evidence ${evidence}): ${hypothesis.statement}`;
}

function formatScore(score: number): string {
  return Number.isInteger(score) ? String(score) : score.toPrecision(3);
}

function formatAge(milliseconds: number): string {
  const minutes = Math.round(milliseconds / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}
