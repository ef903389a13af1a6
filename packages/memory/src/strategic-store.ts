import { statSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import {
  appendFileDurable,
  type Clock,
  DEFAULT_MAX_YAML_BYTES,
  InvalidArgumentError,
  parseYaml,
  readFileInside,
  readTextFileBounded,
  ValidationError,
  validateDocument,
  withFileLock,
  writeFileAtomic,
} from '@karnel/core';
import { StrategicWriteDeniedError } from './errors';
import type { MemoryLayout } from './memory-layout';
import type { MemoryWriter, StrategicUpdateOptions } from './memory-store';
import { type StrategicMemory, strategicMemorySchema } from './strategic-memory';
import {
  type StrategicRevision,
  strategicRevisionSchema,
  strategicStateHash,
} from './strategic-revision';
import { applyStrategicUpdates, type StrategicUpdate } from './strategic-update';
import { updateStrategicYaml } from './strategic-yaml';

/** Settings of the strategic tier that every backend shares. */
export interface StrategicStoreOptions {
  /** Where the files are. */
  readonly layout: MemoryLayout;
  /** Where time comes from. */
  readonly clock: Clock;
  /** Who writes. */
  readonly writer?: MemoryWriter;
  /** The roles allowed to write; `undefined` means anyone may. */
  readonly allowedRoles?: readonly string[];
  /** The folder the files must really be inside; see `MemoryStoreOptions.root`. */
  readonly root?: string;
}

/**
 * The strategic tier, stored the same way by every backend: `strategic.yaml` is the current
 * state (replaced atomically), `strategic.history.jsonl` holds every revision. It is a small,
 * hand-readable file the Karnel format names, so no backend moves it into a database.
 */
export class StrategicStore {
  readonly #options: StrategicStoreOptions;
  /** The state last read, and what identified the file then (device, inode, size, time). */
  #cached: { signature: string; state: StrategicMemory } | undefined;

  constructor(options: StrategicStoreOptions) {
    this.#options = options;
  }

  /**
   * The current state; empty when the file is missing or blank. The file is parsed and
   * validated again only when its device, inode, size or modification time changed since the
   * last read (one `stat` otherwise); each call returns its own copy.
   */
  async read(): Promise<StrategicMemory> {
    let signature: string | undefined;
    try {
      const info = statSync(this.#options.layout.strategic, { bigint: true });
      signature = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const cached = this.#cached;
    if (signature !== undefined && cached?.signature === signature)
      return structuredClone(cached.state);
    // Signed before reading: a file replaced in between is read again next time.
    const { state } = await this.#readFile();
    this.#cached =
      signature === undefined ? undefined : { signature, state: structuredClone(state) };
    return state;
  }

  /** Every revision, oldest first; a torn last line (an append cut short) is ignored. */
  async history(): Promise<StrategicRevision[]> {
    let text: string;
    try {
      const path = this.#options.layout.strategicHistory;
      const root = this.#options.root;
      text =
        root === undefined
          ? await readFile(path, 'utf8')
          : (await readFileInside(root, path)).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const revisions: StrategicRevision[] = [];
    const lines = text.split('\n');
    // The last element is either '' (complete file) or an incomplete line: skip it either way.
    for (const line of lines.slice(0, -1)) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      const parsed = strategicRevisionSchema.safeParse(value);
      if (parsed.success) revisions.push(parsed.data);
    }
    return revisions;
  }

  /** Applies `updates` as a new revision (see `MemoryStore.updateStrategic`). */
  async update(
    updates: readonly StrategicUpdate[],
    options: StrategicUpdateOptions = {},
  ): Promise<StrategicRevision> {
    this.#checkWriter();
    const { clock, writer } = this.#options;
    return this.#locked(async () => {
      const { state: current, exists, text } = await this.#readFile();
      const history = await this.history();
      const pending: StrategicRevision[] = [];
      let revision = history.at(-1)?.revision ?? 0;
      const at = clock.now().toISOString();
      const observed = this.#observe(current, exists, history, at);
      if (observed) {
        revision = observed.revision;
        pending.push(observed);
      }
      const applied = applyStrategicUpdates(current, updates, clock);
      const next: StrategicRevision = {
        revision: revision + 1,
        at,
        origin: 'update',
        ...(writer && (writer.role || writer.id) ? { writer: { ...writer } } : {}),
        ...(options.reason ? { reason: options.reason } : {}),
        updates: applied.updates,
        state: applied.state,
        state_hash: strategicStateHash(applied.state),
      };
      pending.push(next);
      await this.#commit(pending, next.state, text);
      return next;
    });
  }

  /** Appends the revisions of `revisions` this history lacks (see `MemoryStore.importStrategicHistory`). */
  async importHistory(revisions: readonly StrategicRevision[]): Promise<number> {
    if (revisions.length === 0) return 0;
    this.#checkWriter();
    const checked = revisions.map((revision, index) => {
      const parsed = strategicRevisionSchema.safeParse(revision);
      if (!parsed.success) {
        throw new InvalidArgumentError({
          argument: `revisions[${index}]`,
          value: revision,
          message: parsed.error.issues[0]!.message,
        });
      }
      return parsed.data;
    });
    return this.#locked(async () => {
      const history = await this.history();
      const { state: current, exists, text } = await this.#readFile();
      for (let index = 0; index < history.length; index++) {
        const mine = history[index]!;
        const theirs = checked[index];
        if (!theirs || theirs.revision !== mine.revision || theirs.state_hash !== mine.state_hash) {
          throw new InvalidArgumentError({
            argument: 'revisions',
            value: revisions.length,
            message: `the strategic history in ${this.#options.layout.root} has diverged from the one imported at revision ${mine.revision}; import into an empty memory or one whose history is a prefix`,
          });
        }
      }
      const missing = checked.slice(history.length);
      const last = history.at(-1);
      const unrecorded =
        exists && strategicStateHash(current) !== (last?.state_hash ?? strategicStateHash({}));
      if (unrecorded) {
        throw new InvalidArgumentError({
          argument: 'revisions',
          value: revisions.length,
          message: `${this.#options.layout.strategic} holds changes that are not in its history; record them with an update first, or import into an empty memory`,
        });
      }
      if (missing.length === 0) return 0;
      await this.#commit(missing, missing.at(-1)!.state, text);
      return missing.length;
    });
  }

  #checkWriter(): void {
    const { allowedRoles, writer, layout } = this.#options;
    if (allowedRoles === undefined) return;
    if (writer?.role !== undefined && allowedRoles.includes(writer.role)) return;
    throw new StrategicWriteDeniedError({
      role: writer?.role,
      allowedRoles,
      memoryDir: layout.root,
    });
  }

  /** Records the file's state when it differs from the last revision, so it is never lost. */
  #observe(
    current: StrategicMemory,
    exists: boolean,
    history: readonly StrategicRevision[],
    at: string,
  ): StrategicRevision | undefined {
    const last = history.at(-1);
    const hash = strategicStateHash(current);
    if (last ? last.state_hash === hash : !exists || hash === strategicStateHash({}))
      return undefined;
    return {
      revision: (last?.revision ?? 0) + 1,
      at,
      origin: 'observed',
      state: current,
      state_hash: hash,
    };
  }

  /**
   * Makes the revisions durable, then replaces the file atomically with `state`, edited into
   * `text` (the file as read under the lock) so that a person's comments and layout stay.
   */
  async #commit(
    revisions: readonly StrategicRevision[],
    state: StrategicMemory,
    text: string,
  ): Promise<void> {
    const { layout } = this.#options;
    // The history is the record: it is made durable first. A crash before the file is replaced
    // leaves the file one revision behind, which the next update notices and records.
    await appendFileDurable(
      layout.strategicHistory,
      revisions.map((revision) => `${JSON.stringify(revision)}\n`).join(''),
      this.#options.root === undefined ? {} : { root: this.#options.root },
    );
    await writeFileAtomic(layout.strategic, updateStrategicYaml(text, state));
  }

  async #readFile(): Promise<{ state: StrategicMemory; exists: boolean; text: string }> {
    const path = this.#options.layout.strategic;
    try {
      await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { state: {}, exists: false, text: '' };
      throw error;
    }
    // One read: the text that is validated is the text later edited in place.
    const root = this.#options.root;
    const text = await readTextFileBounded(
      path,
      path,
      DEFAULT_MAX_YAML_BYTES,
      root === undefined ? {} : { root },
    );
    if (typeof text !== 'string') throw new ValidationError({ diagnostics: [text] });
    const document = parseYaml(text, path);
    if (document.value === undefined && document.diagnostics.length === 0)
      return { state: {}, exists: true, text };
    const { value, diagnostics } = validateDocument(strategicMemorySchema, document);
    if (value === undefined) throw new ValidationError({ diagnostics });
    return { state: value, exists: true, text };
  }

  async #locked<T>(task: () => Promise<T>): Promise<T> {
    await mkdir(this.#options.layout.root, { recursive: true });
    return withFileLock(`${this.#options.layout.strategic}.lock`, task);
  }
}
