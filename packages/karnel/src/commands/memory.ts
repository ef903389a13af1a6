import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { readYamlFile, writeFileAtomic } from '@karnel/core';
import {
  createHashingEmbeddingModel,
  createMemory,
  createOllamaEmbeddingModel,
  exportMemoryLines,
  importMemory,
  importPlurEngrams,
  MEMORY_BACKENDS,
  type MemoryBackend,
  type MemoryEmbeddingModel,
  type MemoryStore,
  readMemoryExport,
  type SearchMode,
} from '@karnel/memory';
import { ExitCode } from '../exit-codes';
import { printDiagnostics } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

interface StoreOptions {
  backend?: string;
  embedder?: string;
  ollamaHost?: string;
  role?: string;
}

const SEARCH_MODES = ['auto', 'full-text', 'vector', 'hybrid'] as const;

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
or a memory folder itself.

Backends: files (default; the Karnel layout, no dependencies), sqlite (memory.sqlite, FTS5),
lancedb (lancedb/, vector + full-text + hybrid). Embedders (for vector and hybrid search):
ollama:<model> (a local Ollama, see --ollama-host) or hashing[:<dimensions>] (offline, lexical).
`,
    );

  const withStoreOptions = (command: ReturnType<typeof memory.command>) =>
    command
      .option('-b, --backend <backend>', `storage backend: ${MEMORY_BACKENDS.join(', ')}`, 'files')
      .option('-e, --embedder <spec>', 'embedding model: ollama:<model> or hashing[:<dimensions>]')
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
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .addHelpText(
      'after',
      `
Examples:
  karnel memory add my-agent "Published issue 12" --kind publication --source ledger/runs/run_01J…
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
          throw new UsageError(`unknown tier "${tier}"; expected episodic or semantic`);
        const text = words.join(' ');
        const store = await openStore(dir, options);
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
                : `added episode ${episode.id} (${episode.kind}) to ${store.dir}`,
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
                : `added semantic item ${item!.id} to ${store.dir}`,
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
        const k = parsePositive(options.k ?? '10', '--k');
        const limit = parsePositive(options.limit ?? '20', '--limit');
        const mode = options.mode ?? 'auto';
        if (!(SEARCH_MODES as readonly string[]).includes(mode))
          throw new UsageError(
            `unknown mode "${mode}"; expected one of ${SEARCH_MODES.join(', ')}`,
          );
        const tier = options.tier ?? 'all';
        if (!['semantic', 'episodic', 'all'].includes(tier))
          throw new UsageError(`unknown tier "${tier}"; expected semantic, episodic or all`);
        const store = await openStore(dir, options);
        try {
          const semantic =
            tier === 'episodic'
              ? undefined
              : await store.search(query, {
                  k,
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
            for (const notice of semantic.notices) context.output.err(`note: ${notice}`);
            context.output.out(`semantic (${semantic.mode}): ${semantic.hits.length} hit(s)`);
            semantic.hits.forEach((hit, index) => {
              const title = hit.item.title ? `${hit.item.title}: ` : '';
              context.output.out(
                `  ${index + 1}. ${hit.item.id}  score ${hit.score.toPrecision(4)}  ${title}${snippet(hit.item.text)}`,
              );
              if (hit.item.sources.length > 0)
                context.output.out(`     sources: ${hit.item.sources.join(', ')}`);
            });
          }
          if (episodes) {
            context.output.out(`episodic: ${episodes.length} match(es), newest first`);
            for (const episode of episodes)
              context.output.out(
                `  ${episode.at}  ${episode.kind}  ${episode.id}  ${snippet(episode.text)}`,
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
      const store = await openStore(dir, options);
      try {
        const lines = await exportMemoryLines(store);
        const text = `${lines.join('\n')}\n`;
        if (options.out) await writeFileAtomic(resolve(options.out), text);
        else context.output.out(text.slice(0, -1));
        const { counts } = JSON.parse(lines[0]!) as {
          counts: { episodes: number; semantic: number; strategic_revisions: number };
        };
        context.output.err(
          `exported ${counts.episodes} episode(s), ${counts.semantic} semantic item(s) and ${counts.strategic_revisions} strategic revision(s) from ${store.dir}${options.out ? ` to ${options.out}` : ''}`,
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
    .option('-f, --format <format>', 'diagnostics format: text, json or github', 'text')
    .addHelpText(
      'after',
      `
What the memory already has is skipped, so importing twice changes nothing. An export with any
error is refused as a whole.
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
          throw new UsageError(`unknown --from "${from}"; expected karnel or plur`);
        const store = await openStore(dir, options);
        try {
          if (from === 'plur') {
            const result = await importPlurEngrams(store, resolve(file), { displayPath: file });
            printDiagnostics(context.output, result.diagnostics, format);
            context.output.err(
              `imported ${result.added} engram(s) into episodic memory of ${store.dir}; ${result.skipped} were already there`,
            );
            if (result.diagnostics.some((diagnostic) => diagnostic.severity === 'error'))
              context.setExitCode(ExitCode.failure);
            return;
          }
          const content = await readMemoryExport(resolve(file), { displayPath: file });
          const { report, diagnostics } = await importMemory(store, content);
          printDiagnostics(context.output, diagnostics, format);
          if (!report) {
            context.output.err(`refused ${file}: it has errors, and nothing was imported`);
            context.setExitCode(ExitCode.failure);
            return;
          }
          context.output.err(
            `imported into ${store.dir}: ${report.episodesAdded} episode(s) added, ${report.episodesSkipped} already there, ${report.semanticWritten} semantic item(s) written, ${report.strategicRevisionsAdded} strategic revision(s) added`,
          );
        } finally {
          await store.close();
        }
      },
    );
};

/** Opens the memory of `dir` with the command line's backend and embedder. */
async function openStore(dir: string, options: StoreOptions): Promise<MemoryStore> {
  const backend = options.backend ?? 'files';
  if (!(MEMORY_BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(
      `unknown backend "${backend}"; expected one of ${MEMORY_BACKENDS.join(', ')}`,
    );
  }
  const { memoryDir, group } = await resolveMemoryDir(dir);
  const embedder = options.embedder
    ? parseEmbedder(options.embedder, options.ollamaHost)
    : undefined;
  return createMemory({
    backend: backend as MemoryBackend,
    dir: memoryDir,
    group,
    ...(embedder ? { embedder } : {}),
    ...(options.role ? { writer: { role: options.role } } : {}),
  });
}

/**
 * The memory folder of `dir`: a memory folder itself (named memory/, or holding memory files),
 * else the manifest's components.memory, else `<dir>/memory`. A manifest with a `group` section
 * makes it group memory, whose strategic tier is guarded.
 */
async function resolveMemoryDir(dir: string): Promise<{ memoryDir: string; group: boolean }> {
  const exists = (path: string) =>
    stat(path).then(
      () => true,
      () => false,
    );
  const markers = ['episodic.jsonl', 'strategic.yaml', 'memory.sqlite', 'lancedb', 'semantic'];
  const manifestPath = join(dir, 'manifest.yaml');
  if (!(await exists(manifestPath))) {
    const isMemory =
      basename(resolve(dir)) === 'memory' ||
      (await Promise.all(markers.map((marker) => exists(join(dir, marker))))).some(Boolean);
    return { memoryDir: isMemory ? dir : join(dir, 'memory'), group: false };
  }
  const manifest = await readYamlFile(manifestPath);
  const value = (manifest.value ?? {}) as { group?: unknown; components?: { memory?: unknown } };
  const reference =
    typeof value.components?.memory === 'string' ? value.components.memory : './memory';
  const memoryDir = resolve(dir, reference);
  if (!memoryDir.startsWith(resolve(dir)))
    throw new UsageError(
      `components.memory "${reference}" in ${manifestPath} leaves the directory`,
    );
  return { memoryDir, group: value.group !== undefined };
}

function parseEmbedder(spec: string, ollamaHost: string | undefined): MemoryEmbeddingModel {
  const [name, ...rest] = spec.split(':');
  const argument = rest.join(':');
  if (name === 'ollama' && argument)
    return createOllamaEmbeddingModel({
      model: argument,
      ...(ollamaHost ? { host: ollamaHost } : {}),
    });
  if (name === 'hashing') {
    if (argument === '') return createHashingEmbeddingModel();
    if (/^\d+$/.test(argument) && Number(argument) >= 8)
      return createHashingEmbeddingModel({ dimensions: Number(argument) });
  }
  throw new UsageError(
    `unknown embedder "${spec}"; expected ollama:<model> or hashing[:<dimensions of at least 8>]`,
  );
}

function parseTextOrJson(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError(`unknown format "${value}"; expected text or json`);
}

function parseDiagnosticFormat(value: string | undefined): 'text' | 'json' | 'github' {
  if (value === undefined || value === 'text' || value === 'json' || value === 'github')
    return value ?? 'text';
  throw new UsageError(`unknown format "${value}"; expected text, json or github`);
}

function parsePositive(value: string, option: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${option} must be a positive integer, not "${value}"`);
  return Number(value);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}
