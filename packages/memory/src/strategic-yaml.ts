import { stringify } from 'yaml';
import type { Hypothesis, StrategicMemory } from './strategic-memory';

const hypothesisKeyOrder: readonly (keyof Hypothesis)[] = [
  'id',
  'statement',
  'evidence_for',
  'evidence_against',
  'confidence',
  'last_reviewed',
  'status',
];

/**
 * Serialises strategic memory as YAML with its keys in the order the Karnel format shows them
 * (hypotheses, priors, self-model; id and statement first), so that a person reading or
 * diffing the file sees a familiar shape.
 */
export function formatStrategicYaml(state: StrategicMemory): string {
  const ordered: Record<string, unknown> = {};
  if (state.hypotheses) {
    ordered.hypotheses = state.hypotheses.map((hypothesis) => {
      const entry: Record<string, unknown> = {};
      for (const key of hypothesisKeyOrder)
        if (hypothesis[key] !== undefined) entry[key] = hypothesis[key];
      return entry;
    });
  }
  if (state.priors) ordered.priors = state.priors;
  if (state.self_model) ordered.self_model = state.self_model;
  if (Object.keys(ordered).length === 0) return '{}\n';
  return stringify(ordered, { lineWidth: 0 });
}
