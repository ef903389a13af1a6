import type { DispatchMode, Protocol } from './protocol-schema';

/** One permitted dispatch: `source` may hand tasks to `target`, binding as `mode` says. */
export interface DispatchEdge {
  /** The role handing out work. */
  readonly source: string;
  /** The role receiving it. */
  readonly target: string;
  /** `directive` (must take it) or `request` (may decline). */
  readonly mode: DispatchMode;
}

/** Who may dispatch tasks to whom under a protocol. */
export interface DispatchTable {
  /** Every permitted dispatch, deduplicated (the first rule naming a pair wins). */
  readonly edges: readonly DispatchEdge[];
  /** The roles `source` may hand tasks to. */
  targetsOf(source: string): readonly DispatchEdge[];
  /** The roles that may hand tasks to `target`. */
  sourcesOf(target: string): readonly DispatchEdge[];
  /** The edge that permits `source` to dispatch to `target`, or `undefined` when none does. */
  find(source: string, target: string): DispatchEdge | undefined;
}

/** Options of {@link createDispatchTable}. */
export interface CreateDispatchTableOptions {
  /** The group's member roles; flat peers default to all of them. */
  roles?: Iterable<string>;
}

/**
 * Computes who may dispatch to whom:
 *
 * - hierarchical and custom: exactly the `task_dispatch` rules;
 * - flat: every peer to every other peer, as a `request` (peers claim work, nobody orders);
 * - network: the edges that carry `task` (all edges unless `types` says otherwise), in both
 *   directions for `bidirectional` edges.
 *
 * A role never dispatches to itself.
 */
export function createDispatchTable(
  protocol: Protocol,
  { roles = [] }: CreateDispatchTableOptions = {},
): DispatchTable {
  const edges: DispatchEdge[] = [];
  const seen = new Set<string>();
  const add = (source: string, target: string, mode: DispatchMode) => {
    const key = `${source}\u0000${target}`;
    if (source === target || seen.has(key)) return;
    seen.add(key);
    edges.push({ source, target, mode });
  };
  switch (protocol.coordination_type) {
    case 'hierarchical':
    case 'custom':
      for (const rule of protocol[protocol.coordination_type]?.task_dispatch ?? []) {
        for (const target of rule.targets) add(rule.source, target, rule.mode);
      }
      break;
    case 'flat': {
      const peers = protocol.flat?.peers ?? [...roles];
      for (const source of peers) for (const target of peers) add(source, target, 'request');
      break;
    }
    case 'network':
      for (const edge of protocol.network?.edges ?? []) {
        if (edge.types && !edge.types.includes('task')) continue;
        for (const target of edge.to) {
          add(edge.from, target, edge.mode);
          if (edge.bidirectional) add(target, edge.from, edge.mode);
        }
      }
      break;
  }
  return {
    edges,
    targetsOf: (source) => edges.filter((edge) => edge.source === source),
    sourcesOf: (target) => edges.filter((edge) => edge.target === target),
    find: (source, target) =>
      edges.find((edge) => edge.source === source && edge.target === target),
  };
}
