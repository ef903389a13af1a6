import { canonicalJson } from '@karnel/core';
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parse,
  parseDocument,
  type Scalar,
  stringify,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
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
 * The order of every key the format knows. The mappings of strategic memory (the file, a
 * hypothesis, the self-model) have disjoint keys, so one list orders each of them.
 */
const keyOrder: readonly string[] = [
  'hypotheses',
  'priors',
  'self_model',
  ...hypothesisKeyOrder,
  'strengths_observed',
  'weaknesses_observed',
  'open_questions',
];

const toStringOptions = { lineWidth: 0, flowCollectionPadding: false } as const;

/**
 * Serialises strategic memory as YAML with its keys in the order the Karnel format shows them
 * (hypotheses, priors, self-model; id and statement first), so that a person reading or
 * diffing the file sees a familiar shape. For a file that already exists, use
 * {@link updateStrategicYaml}, which keeps what a person wrote around the values.
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

/**
 * The text of `strategic.yaml` after it changes to `state`, edited in place: `text` (the file
 * as it is) is parsed with the `yaml` library's Document API and only the nodes whose value
 * changed are touched — a changed scalar keeps its quoting, a hypothesis is matched by its id
 * and a list entry by its text, new keys go where the format's key order puts them, new
 * hypotheses are appended in that order with the quoting of their neighbours. Comments above,
 * beside and below entries, key order and blank lines stay where a person wrote them. (The
 * library re-prints the document: a comment's spacing after a value is normalised to one space.)
 *
 * A blank `text`, one that is not a mapping, or one the edit would not reproduce exactly (YAML
 * anchors and aliases, say) gets {@link formatStrategicYaml} instead: the state is what must be
 * right.
 */
export function updateStrategicYaml(text: string, state: StrategicMemory): string {
  const fresh = formatStrategicYaml(state);
  if (text.trim() === '') return fresh;
  const document: Document = parseDocument(text);
  if (document.errors.length > 0) return fresh;
  const root = document.contents;
  if (root !== null && !isMap(root)) return fresh;
  keepCommentsWithTheirEntry(document);
  const style = dominantStringStyle(document);
  const next = reconcile(document, root, state, undefined, style);
  if (isMap(next) && next.items.length === 0) return fresh;
  document.contents = next;
  const edited = document.toString(toStringOptions);
  try {
    if (canonicalJson(parse(edited) ?? {}) === canonicalJson(state)) return edited;
  } catch {
    // Not parseable back: fall through to the plain serialisation.
  }
  return fresh;
}

/** Returns the node that holds `value`: `node` itself, edited in place, whenever it can be. */
function reconcile(
  document: Document,
  node: unknown,
  value: unknown,
  template: unknown,
  style: Scalar.Type | undefined,
): Node {
  if (Array.isArray(value)) {
    if (!isSeq(node)) return carryComments(node, create(document, value, template ?? node, style));
    const unused = [...node.items];
    const last = node.items.at(-1);
    node.items = value.map((element) => {
      const index = unused.findIndex((item) => sameEntry(item, element));
      if (index < 0) {
        const created = create(document, element, last, style);
        // Entries a person separated by blank lines get one too.
        if (isCollectionNode(created) && isCollectionNode(last) && last.spaceBefore)
          created.spaceBefore = true;
        return created;
      }
      const [item] = unused.splice(index, 1);
      return reconcile(document, item, element, last, style);
    });
    return node;
  }
  if (value !== null && typeof value === 'object') {
    if (!isMap(node)) return carryComments(node, create(document, value, template ?? node, style));
    const entries = value as Record<string, unknown>;
    // A `{}` written in flow style is only a placeholder: what fills it goes in block style.
    if (node.flow && node.items.length === 0) node.flow = false;
    const keys = orderedKeys(entries);
    node.items = node.items.filter((pair) => keys.includes(keyOf(pair)));
    for (const key of keys) {
      const pair = node.items.find((candidate) => keyOf(candidate) === key);
      if (pair) {
        pair.value = reconcile(document, pair.value, entries[key], undefined, style);
        continue;
      }
      const created = document.createPair(
        key,
        create(
          document,
          entries[key],
          isMap(template) ? template.get(key, true) : undefined,
          style,
        ),
      );
      const rank = keyOrder.indexOf(key);
      let at = 0;
      node.items.forEach((candidate, index) => {
        const candidateRank = keyOrder.indexOf(keyOf(candidate));
        if (rank < 0 || (candidateRank >= 0 && candidateRank < rank)) at = index + 1;
      });
      node.items.splice(at, 0, created as Pair<unknown, unknown>);
    }
    return node;
  }
  if (isScalar(node)) {
    if (node.value !== value) node.value = value;
    return node;
  }
  return carryComments(node, create(document, value, template, style));
}

/**
 * A new node for `value`, styled after `template` (a neighbour) where it has one, its other
 * strings quoted the way most strings of the file are.
 */
function create(
  document: Document,
  value: unknown,
  template: unknown,
  style: Scalar.Type | undefined,
): Node {
  const ordered =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          orderedKeys(value as Record<string, unknown>).map((key) => [
            key,
            (value as Record<string, unknown>)[key],
          ]),
        )
      : value;
  const node = document.createNode(ordered) as Node;
  applyStyle(node, template);
  if (style) {
    const setStyle = (key: unknown, scalar: Scalar) => {
      if (key !== 'key' && typeof scalar.value === 'string' && scalar.type === undefined)
        scalar.type = style;
    };
    if (isScalar(node)) setStyle('value', node);
    else visit(node, { Scalar: setStyle });
  }
  return node;
}

/** Copies quoting and flow style from `template` onto `node`, recursively. */
function applyStyle(node: Node, template: unknown): void {
  if (isScalar(node) && isScalar(template)) {
    if (typeof node.value === 'string' && typeof template.value === 'string')
      node.type = template.type;
    return;
  }
  if (isSeq(node) && isSeq(template)) {
    node.flow = template.flow === true;
    const model = template.items.at(-1);
    for (const item of node.items) applyStyle(item as Node, model);
    return;
  }
  if (isMap(node) && isMap(template)) {
    if (template.items.length > 0) node.flow = template.flow === true;
    for (const pair of node.items)
      applyStyle(pair.value as Node, template.get(keyOf(pair as Pair), true));
  }
}

/** How most string values of the file are quoted (plain, double or single quotes). */
function dominantStringStyle(document: Document): Scalar.Type | undefined {
  const counts = new Map<Scalar.Type, number>();
  visit(document, {
    Scalar(key, scalar) {
      if (key === 'key' || typeof scalar.value !== 'string' || !scalar.type) return;
      counts.set(scalar.type, (counts.get(scalar.type) ?? 0) + 1);
    },
  });
  let best: Scalar.Type | undefined;
  for (const [type, count] of counts) if (!best || count > (counts.get(best) ?? 0)) best = type;
  return best === 'QUOTE_DOUBLE' || best === 'QUOTE_SINGLE' ? best : undefined;
}

/**
 * The `yaml` library reads a comment that follows a blank line after a nested entry as the end
 * of that entry (`# below a`, blank, `# before b` all belong to `a`) and would print it indented
 * under `a`. Such a comment introduces the next entry: it is moved there, with its blank line.
 */
function keepCommentsWithTheirEntry(document: Document): void {
  const split = (holder: { comment?: string | null }, next: Node | undefined) => {
    const comment = holder.comment;
    if (!next || !comment) return;
    const at = comment.lastIndexOf('\n\n');
    if (at < 0) return;
    const before = comment.slice(at + 2);
    if (before.trim() === '') return;
    holder.comment = comment.slice(0, at) || null;
    next.commentBefore = next.commentBefore ? `${before}\n${next.commentBefore}` : before;
    next.spaceBefore = true;
  };
  visit(document, {
    Seq(_key, seq) {
      seq.items.forEach((item, index) => {
        if (isCollectionNode(item)) split(item, seq.items[index + 1] as Node | undefined);
      });
    },
    Map(_key, map) {
      map.items.forEach((pair, index) => {
        if (isCollectionNode(pair.value))
          split(pair.value, map.items[index + 1]?.key as Node | undefined);
      });
    },
  });
}

function isCollectionNode(node: unknown): node is YAMLMap | YAMLSeq {
  return isMap(node) || isSeq(node);
}

/** Keeps the comments and the blank line before a node that is replaced by another kind. */
function carryComments(previous: unknown, next: Node): Node {
  if (!previous || typeof previous !== 'object') return next;
  const old = previous as { commentBefore?: string | null; comment?: string | null };
  if (old.commentBefore) next.commentBefore = old.commentBefore;
  if (old.comment) next.comment = old.comment;
  if ((previous as { spaceBefore?: boolean }).spaceBefore) next.spaceBefore = true;
  return next;
}

/** Whether a list entry of the file stands for `element`: a hypothesis by id, a sentence by text. */
function sameEntry(item: unknown, element: unknown): boolean {
  if (element !== null && typeof element === 'object' && !Array.isArray(element)) {
    const id = (element as { id?: unknown }).id;
    return isMap(item) && id !== undefined && scalarValue(item.get('id', true)) === id;
  }
  return isScalar(item) && item.value === element;
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

function keyOf(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

function orderedKeys(entries: Record<string, unknown>): string[] {
  const rank = (key: string) => {
    const index = keyOrder.indexOf(key);
    return index < 0 ? keyOrder.length : index;
  };
  return Object.keys(entries)
    .filter((key) => entries[key] !== undefined)
    .sort((a, b) => rank(a) - rank(b));
}
