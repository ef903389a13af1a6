import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { escapeTerminalText, formatCost, hasErrors } from '@karnel/core';
import { CommandError } from '../command-error';
import { ExitCode } from '../exit-codes';
import { printDiagnostics } from '../output';
import type { RegisterCommand } from './index';

/**
 * `@karnel/tiers`, loaded only when a tiers command runs. It and the AI SDK are optional peer
 * dependencies of the CLI (they would triple the install of `karnel validate`), so an install
 * without them gets one line saying what to add.
 */
async function loadTiers(): Promise<typeof import('@karnel/tiers')> {
  try {
    return await import('@karnel/tiers');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new CommandError(
        'the tiers commands need the optional packages @karnel/tiers and ai: install them next to karnel (npm install --global @karnel/tiers ai, or npm install @karnel/tiers ai in your project)',
      );
    throw error;
  }
}

/** One line of text for the terminal: control characters in untrusted text are escaped. */
const safe = (text: string) => escapeTerminalText(text);

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

interface TiersOptions {
  ollamaHost?: string;
  machineFile?: string;
}

/** Reads the tier configuration for `dir` (and the machine) and profiles the machine. */
async function inspect(
  dir: string | undefined,
  options: TiersOptions,
  context: Parameters<RegisterCommand>[1],
) {
  const tiers = await loadTiers();
  if (dir !== undefined) {
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) {
      context.output.err(`error: ${safe(dir)} is not a directory`);
      context.setExitCode(ExitCode.failure);
      return undefined;
    }
  }
  const machineFile = options.machineFile ?? tiers.machineTiersFilePath();
  const loaded = await tiers.loadTiersConfig({
    ...(dir ? { groupDir: resolve(dir) } : {}),
    machineFile,
  });
  if (hasErrors(loaded.diagnostics) || !loaded.config) {
    printDiagnostics(context.output, loaded.diagnostics, 'text');
    context.setExitCode(ExitCode.failure);
    return undefined;
  }
  const keyVariables = Object.values(loaded.config.providers).flatMap((provider) =>
    provider.keyVariable ? [provider.keyVariable] : [],
  );
  const ollama = options.ollamaHost ?? loaded.config.providers.ollama?.baseUrl;
  const profile = await tiers.detectMachineProfile({
    ...(ollama ? { ollamaHost: ollama } : {}),
    keyVariables,
  });
  return { tiers, config: loaded.config, profile, machineFile, warnings: loaded.diagnostics };
}

/** Registers `karnel tiers …`: doctor and test. */
export const registerTiersCommand: RegisterCommand = (program, context) => {
  const command = program
    .command('tiers')
    .description('Resolve cognitive tiers to models on this machine (Annex D): doctor, test.')
    .addHelpText(
      'after',
      `
Configuration: tiers.yaml in [dir] (a group or agent directory), over the machine-level file
($KARNEL_CONFIG_HOME/tiers.yaml, else $XDG_CONFIG_HOME/karnel/tiers.yaml, else
~/.config/karnel/tiers.yaml). Keys come from the environment or the machine-level file, never
from a group directory, and are never printed.
`,
    );
  const withOptions = (sub: ReturnType<typeof command.command>) =>
    sub
      .option(
        '--ollama-host <url>',
        'Ollama server to probe (default: the configured one, or $OLLAMA_HOST)',
      )
      .option(
        '--machine-file <file>',
        'the machine-level tiers.yaml to read instead of the default',
      );

  withOptions(
    command
      .command('doctor')
      .description(
        'Print each tier → the model it resolves to and why, the Ollama server, and missing keys.',
      )
      .argument('[dir]', 'a group or agent directory with a tiers.yaml'),
  ).action(async (dir: string | undefined, options: TiersOptions) => {
    const found = await inspect(dir, options, context);
    if (!found) return;
    const { tiers, config, profile, machineFile, warnings } = found;
    const out = context.output.out;
    printDiagnostics(context.output, warnings, 'text');
    const gpus = profile.gpus.length
      ? profile.gpus.map((gpu) => safe(gpu.name)).join(', ')
      : 'none visible';
    out(
      `machine: ${profile.cpuCount} CPUs (${safe(profile.cpuModel)}), ${gib(profile.ramBytes)} RAM (${gib(profile.freeRamBytes)} free), GPU: ${gpus}`,
    );
    out(
      profile.ollama.reachable
        ? `ollama: ${safe(profile.ollama.host)} answers, ${profile.ollama.models.length} model(s): ${profile.ollama.models.map((model) => safe(model.name)).join(', ') || 'none'}`
        : `ollama: ${safe(profile.ollama.host)} does not answer (${safe(profile.ollama.error ?? 'unknown')})`,
    );
    const variables = [
      ...new Set(
        Object.values(config.providers).flatMap((provider) =>
          provider.keyVariable ? [provider.keyVariable] : [],
        ),
      ),
    ].sort();
    const missing = variables.filter((name) => !profile.keysPresent.includes(name));
    out(
      `keys: ${profile.keysPresent.length ? `${profile.keysPresent.join(', ')} set` : 'none set'}${missing.length ? `; missing ${missing.join(', ')}` : ''}`,
    );
    if (config.files.length === 0) {
      out(
        `Nothing is configured: no tiers.yaml at ${safe(machineFile)}${dir ? ` nor in ${safe(dir)}` : ''}. Every tier stays unresolved until a tiers.yaml lists its candidates (spec/annex-d-tiers.md).`,
      );
      return;
    }
    out(`configuration: ${config.files.map(safe).join(', ')}`);
    for (const tier of ['frontier-reasoning', 'fast-general', 'bulk-cheap', 'local-private']) {
      const resolution = tiers.resolveTier(tier, config, profile);
      const chosen = resolution.candidates[0];
      if (chosen)
        out(
          `${tier} → ${safe(chosen.id)} (${chosen.provider.local ? 'local' : 'cloud'}; first usable of ${resolution.candidates.length})`,
        );
      else if (!config.tiers[resolution.tier]) out(`${tier} → none: no candidate is listed`);
      else out(`${tier} → none on this machine`);
      for (const { candidate, reason } of resolution.excluded)
        out(`  - ${safe(candidate.id)}: ${safe(reason)}`);
    }
  });

  withOptions(
    command
      .command('test')
      .description(
        'Make one tiny call to a tier and print the model that answered, its tokens and its cost.',
      )
      .argument('<tier>', 'a tier name or alias (T1–T4)')
      .argument('[dir]', 'a group or agent directory with a tiers.yaml'),
  ).action(async (tier: string, dir: string | undefined, options: TiersOptions) => {
    const found = await inspect(dir, options, context);
    if (!found) return;
    const { tiers, config, profile } = found;
    if (!tiers.normalizeTier(tier)) {
      context.output.err(
        `error: unknown tier "${safe(tier)}"; expected one of ${tiers.TIER_NAMES.join(', ')}`,
      );
      context.setExitCode(ExitCode.usage);
      return;
    }
    const model = await tiers.openTierModel({ tier, config, profile });
    let result: Awaited<ReturnType<typeof model.doGenerate>>;
    try {
      result = await model.doGenerate({
        prompt: [
          { role: 'user', content: [{ type: 'text', text: 'Reply with the single word OK.' }] },
        ],
        maxOutputTokens: 16,
      });
    } catch (error) {
      context.output.err(`error: ${safe(error instanceof Error ? error.message : String(error))}`);
      context.setExitCode(ExitCode.failure);
      return;
    }
    const answered = result.response?.modelId ?? 'unknown';
    const candidate =
      model.candidates.find((entry) => entry.model === answered) ??
      model.candidates.find((entry) => answered.startsWith(entry.model));
    const tokens = tiers.chargedTokens(result.usage);
    const cost =
      tokens && candidate?.price ? formatCost(tiers.usageCost(tokens, candidate.price)) : '0';
    const text = result.content
      .flatMap((part) => (part.type === 'text' ? [part.text] : []))
      .join('');
    context.output.out(`model: ${safe(candidate?.id ?? answered)}`);
    context.output.out(`answer: ${safe(text.trim())}`);
    context.output.out(
      tokens
        ? `tokens: ${tokens.input} input, ${tokens.cachedInput} cached input, ${tokens.output} output`
        : 'tokens: not reported',
    );
    context.output.out(`cost: ${cost} (treasury currency)`);
  });
};
