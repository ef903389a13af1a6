import { mkdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  type Diagnostic,
  escapeTerminalText,
  formatDiagnostics,
  InvalidArgumentError,
  writeFileAtomic,
} from '@karnel/core';
import { resolveComponent } from '@karnel/manifest';
import type { MemoryBackend, MemoryStore, SearchMode } from '@karnel/memory';
import { ExitCode } from '../exit-codes';
import { printDiagnostics } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

interface StoreOptions {
  backend?: string;
  embedder?: string;
  ollamaHost?: string;
  role?: string;
  create?: boolean;
  filesRecords?: 'refuse' | 'ignore';
}

const SEARCH_MODES = ['auto', 'full-text', 'vector', 'hybrid'] as const;

/** The backends of `@karnel/memory` (its `MEMORY_BACKENDS`), named here so `--help` need not load it. */
const BACKENDS: readonly MemoryBackend[] = ['files', 'sqlite', 'lancedb'];

/** Bounds on the sizes the command line controls (`--k`, `--limit`). */
const MAX_K = 1000;
const MAX_LIMIT = 10_000;

/**
 * `@karnel/memory`, loaded when a memory command runs: commands that never look at memory do
 * not pay to load it.
 */
const loadMemory = () => import('@karnel/memory');

/** One line of text for the terminal: control characters in untrusted text are escaped. */
const safe = (text: string) => escapeTerminalText(text);

/** Registers `karnel memory …`: add, search, export, import. */
export const registerMemoryCommand: RegisterCommand = (program, context) => {
  const memory = program
    .command('memory')
    .description(
      'Record, search and move an agent’s or group’s memory (episodic, semantic and strategic tiers, Annex A).',
    )
    .addHelpText(
      'after',
      `
<dir> is an agent or group directory (its manifest's components.memory, else memory/, is used)
or a memory folder itself. It must exist: a memory is only created by "add" or "import" with
--create, so a mistyped path is an error, never a new empty memory.

Backends: files (default; the Karnel layout, no dependencies), sqlite (memory.sqlite, FTS5;
Node 22.13 or newer), lancedb (lancedb/, vector + full-text + hybrid; needs @lancedb/lancedb and
apache-arrow installed). Embedders (for vector and hybrid search): ollama:<model> (a local Ollama,
see --ollama-host; needs the ollama package) or hashing[:<dimensions from 8 to 4096>] (offline,
lexical).
`,
    );

  const withStoreOptions = (command: ReturnType<typeof memory.command>) =>
    command
      .option('-b, --backend <backend>', `storage backend: ${BACKENDS.join(', ')}`, 'files')
      .option(
        '-e, --embedder <spec>',
        'embedding model: ollama:<model> or hashing[:<dimensions from 8 to 4096>]',
      )
      .option(
        '--ollama-host <url>',
        'Ollama server for ollama:<model> (default: $OLLAMA_HOST or http://127.0.0.1:11434)',
      );

  withStoreOptions(
    memory
      .command('add')
      .description('Append an episode (default) or write a semantic item.')
      .argument('<dir>', 'the agent, group or memory directory')
      .argument('<text...>', 'the text to remember'),
  )
    .option(
      '-t, --tier <tier>',
      'episodic (an event) or semantic (knowledge to retrieve)',
      'episodic',
    )
    .option('-k, --kind <kind>', 'the kind of episode or item (e.g. note, run.completed, fact)')
    .option('--title <title>', 'a title for a semantic item')
    .option('--tag <tag...>', 'labels for filtering')
    .option('-s, --source <ref...>', 'references to the evidence (ledger/runs/run_…, URLs)')
    .option('--actor <actor>', 'who records the episode (a role or an agent id)')
    .option('--create', 'create the memory folder (and <dir>) when it does not exist yet')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .addHelpText(
      'after',
      `
Examples:
  karnel memory add my-agent "Published issue 12" --kind publication --source ledger/runs/run_01J…
  karnel memory add new-agent/memory "First note" --create
  karnel memory add my-agent "Subject lines with numbers raise opens" --tier semantic --kind fact
`,
    )
    .action(
      async (
        dir: string,
        words: string[],
        options: StoreOptions & {
          tier?: string;
          kind?: string;
          title?: string;
          tag?: string[];
          source?: string[];
          actor?: string;
          format?: string;
        },
      ) => {
        const format = parseTextOrJson(options.format);
        const tier = options.tier ?? 'episodic';
        if (tier !== 'episodic' && tier !== 'semantic')
          throw new UsageError(`unknown tier "${safe(tier)}"; expected episodic or semantic`);
        const text = words.join(' ');
        if (text.trim() === '') throw new UsageError('the text to remember is empty');
        const store = await openStore(dir, options, context);
        try {
          if (tier === 'episodic') {
            const episode = await store.appendEpisode({
              kind: options.kind ?? 'note',
              text,
              ...(options.actor ? { actor: options.actor } : {}),
              ...(options.source ? { sources: options.source } : {}),
              ...(options.tag ? { tags: options.tag } : {}),
            });
            context.output.out(
              format === 'json'
                ? JSON.stringify(episode)
                : `added episode ${episode.id} (${safe(episode.kind)}) to ${safe(store.dir)}`,
            );
          } else {
            const [item] = await store.upsertSemantic([
              {
                text,
                ...(options.kind ? { kind: options.kind } : {}),
                ...(options.title ? { title: options.title } : {}),
                ...(options.source ? { sources: options.source } : {}),
                ...(options.tag ? { tags: options.tag } : {}),
              },
            ]);
            context.output.out(
              format === 'json'
                ? JSON.stringify(item)
                : `added semantic item ${safe(item!.id)} to ${safe(store.dir)}`,
            );
          }
        } finally {
          await store.close();
        }
      },
    );

  withStoreOptions(
    memory
      .command('search')
      .description('Search semantic items (ranked) and episodes (every word must appear).')
      .argument('<dir>', 'the agent, group or memory directory')
      .argument('<query>', 'what to look for'),
  )
    .option('--k <n>', 'how many semantic hits at most', '10')
    .option('-m, --mode <mode>', `semantic ranking: ${SEARCH_MODES.join(', ')}`, 'auto')
    .option('-t, --tier <tier>', 'semantic, episodic or all', 'all')
    .option('--limit <n>', 'how many episodes at most (newest first)', '20')
    .option('--kind <kind...>', 'only these kinds')
    .option('--tag <tag...>', 'only semantic items with every one of these tags')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .addHelpText(
      'after',
      `
Without an embedder the semantic search is full-text (BM25), and the output says so.

Example:
  karnel memory search my-group "subject lines" --backend lancedb --embedder ollama:nomic-embed-text --k 5
`,
    )
    .action(
      async (
        dir: string,
        query: string,
        options: StoreOptions & {
          k?: string;
          mode?: string;
          tier?: string;
          limit?: string;
          kind?: string[];
          tag?: string[];
          format?: string;
        },
      ) => {
        const format = parseTextOrJson(options.format);
        const k = parsePositive(options.k ?? '10', '--k', MAX_K);
        const limit = parsePositive(options.limit ?? '20', '--limit', MAX_LIMIT);
        const mode = options.mode ?? 'auto';
        if (!(SEARCH_MODES as readonly string[]).includes(mode))
          throw new UsageError(
            `unknown mode "${safe(mode)}"; expected one of ${SEARCH_MODES.join(', ')}`,
          );
        const tier = options.tier ?? 'all';
        if (!['semantic', 'episodic', 'all'].includes(tier))
          throw new UsageError(`unknown tier "${safe(tier)}"; expected semantic, episodic or all`);
        const store = await openStore(dir, { ...options, create: false }, context);
        try {
          const semantic =
            tier === 'episodic'
              ? undefined
              : await store.search(query, {
                  k,
                  tiers: ['semantic'],
                  mode: mode as SearchMode | 'auto',
                  filter: {
                    ...(options.kind ? { kinds: options.kind } : {}),
                    ...(options.tag ? { tags: options.tag } : {}),
                  },
                });
          const episodes =
            tier === 'semantic'
              ? undefined
              : await store.readEpisodes({
                  text: query,
                  order: 'desc',
                  limit,
                  ...(options.kind ? { kinds: options.kind } : {}),
                });
          if (format === 'json') {
            context.output.out(
              JSON.stringify(
                {
                  ...(semantic
                    ? {
                        semantic: {
                          mode: semantic.mode,
                          notices: semantic.notices,
                          hits: semantic.hits,
                        },
                      }
                    : {}),
                  ...(episodes ? { episodes } : {}),
                },
                null,
                2,
              ),
            );
            return;
          }
          if (semantic) {
            for (const notice of semantic.notices) context.output.err(`note: ${safe(notice)}`);
            context.output.out(`semantic (${semantic.mode}): ${semantic.hits.length} hit(s)`);
            semantic.hits.forEach((hit, index) => {
              const title = hit.item.title ? `${hit.item.title}: ` : '';
              context.output.out(
                `  ${index + 1}. ${safe(hit.item.id)}  score ${hit.score.toPrecision(4)}  ${safe(snippet(`${title}${hit.item.text}`))}`,
              );
              if (hit.item.sources.length > 0)
                context.output.out(`     sources: ${safe(hit.item.sources.join(', '))}`);
            });
          }
          if (episodes) {
            context.output.out(`episodic: ${episodes.length} match(es), newest first`);
            for (const episode of episodes)
              context.output.out(
                `  ${safe(episode.at)}  ${safe(episode.kind)}  ${safe(episode.id)}  ${safe(snippet(episode.text))}`,
              );
          }
        } finally {
          await store.close();
        }
      },
    );

  withStoreOptions(
    memory
      .command('export')
      .description(
        'Write the whole memory (episodes, semantic items, strategic history) as one JSON Lines file.',
      )
      .argument('<dir>', 'the agent, group or memory directory'),
  )
    .option('-o, --out <file>', 'the file to write (default: standard output)')
    .addHelpText(
      'after',
      `
Embeddings are not exported: the importing store embeds with its own model.

Example (move a group from the files backend to LanceDB):
  karnel memory export my-group --out memory.jsonl
  karnel memory import my-group memory.jsonl --backend lancedb --role strategist
`,
    )
    .action(async (dir: string, options: StoreOptions & { out?: string }) => {
      if (options.out) await checkOutputFile(options.out);
      const { exportMemoryLines } = await loadMemory();
      const store = await openStore(dir, { ...options, create: false }, context);
      try {
        const lines = await exportMemoryLines(store);
        const text = `${lines.join('\n')}\n`;
        if (options.out) await writeOutputFile(options.out, text);
        else context.output.out(text.slice(0, -1));
        const { counts } = JSON.parse(lines[0]!) as {
          counts: { episodes: number; semantic: number; strategic_revisions: number };
        };
        context.output.err(
          `exported ${counts.episodes} episode(s), ${counts.semantic} semantic item(s) and ${counts.strategic_revisions} strategic revision(s) from ${safe(store.dir)}${options.out ? ` to ${safe(options.out)}` : ''}`,
        );
      } finally {
        await store.close();
      }
    });

  withStoreOptions(
    memory
      .command('import')
      .description('Add a memory export (or a plur engram store, with --from plur) to a memory.')
      .argument('<dir>', 'the agent, group or memory directory')
      .argument(
        '<file>',
        'a file written by "karnel memory export", or an engrams.yaml / pack folder with --from plur',
      ),
  )
    .option(
      '--from <format>',
      'karnel (a memory export) or plur (engrams, into episodic memory)',
      'karnel',
    )
    .option(
      '-r, --role <role>',
      "the writer's role; group strategic memory accepts only the strategist's history",
    )
    .option('--create', 'create the memory folder (and <dir>) when it does not exist yet')
    .option('-f, --format <format>', 'diagnostics format: text, json or github', 'text')
    .addHelpText(
      'after',
      `
What the memory already has is skipped, so importing twice changes nothing. An export with any
error is refused as a whole. Importing into --backend sqlite or lancedb in a folder the files
backend wrote moves that memory in place (the other commands refuse such a folder, since the
backend would not see the files' records).
`,
    )
    .action(
      async (
        dir: string,
        file: string,
        options: StoreOptions & { from?: string; format?: string },
      ) => {
        const format = parseDiagnosticFormat(options.format);
        const from = options.from ?? 'karnel';
        if (from !== 'karnel' && from !== 'plur')
          throw new UsageError(`unknown --from "${safe(from)}"; expected karnel or plur`);
        const { importMemory, importPlurEngrams, readMemoryExport } = await loadMemory();
        // The file is read before the memory is opened: a refused file creates nothing.
        const content =
          from === 'karnel'
            ? await readMemoryExport(resolve(file), { displayPath: file })
            : undefined;
        if (
          content &&
          (!content.header || content.diagnostics.some((d) => d.severity === 'error'))
        ) {
          printDiagnostics(context.output, content.diagnostics, format);
          context.output.err(`refused ${safe(file)}: it has errors, and nothing was imported`);
          context.setExitCode(ExitCode.failure);
          return;
        }
        // Importing fills the chosen backend on purpose, so a folder the files backend wrote is
        // accepted here (moving a memory to another backend in place).
        const store = await openStore(dir, { ...options, filesRecords: 'ignore' }, context);
        try {
          if (from === 'plur') {
            const result = await importPlurEngrams(store, resolve(file), { displayPath: file });
            printDiagnostics(context.output, result.diagnostics, format);
            context.output.err(
              `imported ${result.added} engram(s) into episodic memory of ${safe(store.dir)}; ${result.skipped} were already there`,
            );
            if (result.diagnostics.some((diagnostic) => diagnostic.severity === 'error'))
              context.setExitCode(ExitCode.failure);
            return;
          }
          const { report, diagnostics } = await importMemory(store, content!);
          printDiagnostics(context.output, diagnostics, format);
          if (!report) {
            context.output.err(`refused ${safe(file)}: it has errors, and nothing was imported`);
            context.setExitCode(ExitCode.failure);
            return;
          }
          context.output.err(
            `imported into ${safe(store.dir)}: ${report.episodesAdded} episode(s) added, ${report.episodesSkipped} already there, ${report.semanticWritten} semantic item(s) written, ${report.strategicRevisionsAdded} strategic revision(s) added`,
          );
        } finally {
          await store.close();
        }
      },
    );
};

/**
 * Opens the memory of `dir` with the command line's backend and embedder. `dir` must exist and
 * be a directory; the memory folder must exist unless `--create` asks for it. Damage the store
 * skips while reading (a corrupt line) is printed as a diagnostic on standard error.
 */
async function openStore(
  dir: string,
  options: StoreOptions,
  context: Parameters<RegisterCommand>[1],
): Promise<MemoryStore> {
  const backend = options.backend ?? 'files';
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(
      `unknown backend "${safe(backend)}"; expected one of ${BACKENDS.join(', ')}`,
    );
  }
  const memory = await loadMemory();
  let embedder: Awaited<ReturnType<typeof memory.createEmbeddingModelFromSpec>> | undefined;
  if (options.embedder !== undefined || options.ollamaHost !== undefined) {
    try {
      if (options.embedder !== undefined)
        embedder = await memory.createEmbeddingModelFromSpec(options.embedder, {
          ...(options.ollamaHost === undefined ? {} : { ollamaHost: options.ollamaHost }),
        });
      if (options.ollamaHost !== undefined) {
        const { checkOllamaHost } = await import('@karnel/memory/ollama');
        checkOllamaHost(options.ollamaHost);
      }
    } catch (error) {
      if (InvalidArgumentError.isInstance(error))
        throw new UsageError(safe(error.message.replace(/^Invalid argument \w+: /, '')));
      throw error;
    }
  }
  const { memoryDir, group } = await resolveMemoryDir(dir, options.create === true);
  return memory.createMemory({
    backend: backend as MemoryBackend,
    dir: memoryDir,
    group,
    onDiagnostic: (diagnostic: Diagnostic) => context.output.err(formatDiagnostic(diagnostic)),
    ...(options.filesRecords ? { filesRecords: options.filesRecords } : {}),
    ...(embedder ? { embedder } : {}),
    ...(options.role ? { writer: { role: options.role } } : {}),
  });
}

/** `file:line:column: severity code: message`, escaped for the terminal. */
function formatDiagnostic(diagnostic: Diagnostic): string {
  return safe(
    `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`,
  );
}

/** What is at `path`: a directory, another kind of file, or nothing. */
async function kindOf(path: string): Promise<'directory' | 'file' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new InvalidArgumentError({
      argument: '<dir>',
      value: path,
      message: `cannot read ${safe(path)}: ${(error as Error).message}`,
    });
  }
}

/**
 * The memory folder of `dir`: a memory folder itself (named memory/, or holding memory files),
 * else the manifest's components.memory, else `<dir>/memory`. A manifest with a `group` section
 * makes it group memory, whose strategic tier is guarded. Refuses a missing `dir`, a file, and a
 * memory folder that does not exist yet unless `create` is set (then it is created).
 */
async function resolveMemoryDir(
  dir: string,
  create: boolean,
): Promise<{ memoryDir: string; group: boolean }> {
  const problem = (message: string) =>
    new InvalidArgumentError({ argument: '<dir>', value: dir, message });
  const dirKind = await kindOf(dir);
  if (dirKind === 'file') throw problem(`${safe(dir)} is a file; expected a directory`);
  if (dirKind === 'missing' && !create)
    throw problem(
      `${safe(dir)} does not exist; check the path, or pass --create to "memory add" or "memory import" to start a new memory there`,
    );
  const markers = ['episodic.jsonl', 'strategic.yaml', 'memory.sqlite', 'lancedb', 'semantic'];
  const manifestPath = join(dir, 'manifest.yaml');
  let memoryDir: string;
  let group = false;
  if ((await kindOf(manifestPath)) !== 'file') {
    const isMemory =
      basename(resolve(dir)) === 'memory' ||
      (await Promise.all(markers.map((marker) => kindOf(join(dir, marker))))).some(
        (kind) => kind !== 'missing',
      );
    memoryDir = isMemory ? dir : join(dir, 'memory');
  } else {
    const component = await resolveComponent(dir, 'memory');
    if (!component.ok)
      throw new UsageError(
        `${safe(dir)}: cannot tell where its memory is:\n${escapeTerminalText(formatDiagnostics(component.diagnostics), { multiline: true })}`,
      );
    memoryDir = component.path;
    group = component.kind === 'group';
  }
  const memoryKind = await kindOf(memoryDir);
  if (memoryKind === 'file')
    throw problem(`${safe(memoryDir)} is a file; expected a memory folder`);
  if (memoryKind === 'missing') {
    if (!create)
      throw problem(
        `${safe(dir)} has no memory yet (no ${safe(memoryDir)}); pass --create to "memory add" or "memory import" to start one`,
      );
    await mkdir(memoryDir, { recursive: true });
  }
  return { memoryDir, group };
}

/** Refuses an output path that is a directory, or whose folder does not exist, before any work. */
async function checkOutputFile(path: string): Promise<void> {
  const problem = (message: string) =>
    new InvalidArgumentError({ argument: '--out', value: path, message });
  if ((await kindOf(path)) === 'directory')
    throw problem(`${safe(path)} is a directory; give the path of a file to write`);
  const folder = resolve(path, '..');
  if ((await kindOf(folder)) !== 'directory')
    throw problem(`the folder of ${safe(path)} does not exist`);
}

/** Writes the export atomically, turning a refusal of the file system into a clear error. */
async function writeOutputFile(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(resolve(path), text);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: '--out',
      value: path,
      message: `cannot write ${safe(path)}: ${(error as Error).message}`,
    });
  }
}

function parseTextOrJson(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError(`unknown format "${safe(value)}"; expected text or json`);
}

function parseDiagnosticFormat(value: string | undefined): 'text' | 'json' | 'github' {
  if (value === undefined || value === 'text' || value === 'json' || value === 'github')
    return value ?? 'text';
  throw new UsageError(`unknown format "${safe(value)}"; expected text, json or github`);
}

function parsePositive(value: string, option: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
    throw new UsageError(`${option} must be an integer from 1 to ${max}, not "${safe(value)}"`);
  return Number(value);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}
