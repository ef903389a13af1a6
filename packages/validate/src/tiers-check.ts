import { join, relative } from 'node:path';
import {
  createDiagnostic,
  type Diagnostic,
  type DocumentPath,
  hasErrors,
  pathKind,
  readYamlFile,
} from '@karnel/core';
import {
  detectMachineProfile,
  loadTiersConfig,
  type MachineProfile,
  machineTiersFilePath,
  resolveTier,
  validateTiersFile,
} from '@karnel/tiers/config';
import type { DirectoryCheck, ValidationTarget } from './directory-check';

/** Options of {@link createTiersCheck}. */
export interface TiersCheckOptions {
  /**
   * Check against this machine (`karnel validate --profile`): read the machine-level
   * `tiers.yaml`, profile the machine once, and warn `tiers/unresolvable` at each manifest's
   * `model_class` (an agent's, or a group member's) whose tier resolves to no model here.
   * Default `false`: nothing that depends on the machine is read or checked.
   */
  profile?: boolean;
  /**
   * The machine-level `tiers.yaml` (with `profile`). Default: `machineTiersFilePath()`, which
   * may be absent (nothing configured on this machine); a file given here must exist.
   */
  machineFile?: string;
  /** The Ollama server to probe (with `profile`). Default: the configured one, or `$OLLAMA_HOST`. */
  ollamaHost?: string;
  /** The environment keys and `OLLAMA_HOST` are read from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** A machine profile already taken, used instead of detecting one (with `profile`). */
  machineProfile?: MachineProfile;
}

const FILE = 'tiers.yaml';

/**
 * Creates the check of `tiers.yaml` files (Annex D): the group- or agent-level file of each
 * target against its schema, each problem at its line and column — an unknown tier or
 * provider, a price that is not exact decimal text, a duplicate candidate, and an API key,
 * which never belongs in a directory that is shared. A member agent's file may name the
 * providers its group's file declares. With `profile`, see {@link TiersCheckOptions.profile}.
 */
export function createTiersCheck(options: TiersCheckOptions = {}): DirectoryCheck {
  const env = options.env ?? process.env;
  const machineFile = options.machineFile ?? machineTiersFilePath(env);
  const profiles = new Map<string, Promise<MachineProfile>>();
  const profileFor = (ollamaHost: string | undefined, keyVariables: string[]) => {
    if (options.machineProfile) return Promise.resolve(options.machineProfile);
    const host = options.ollamaHost ?? ollamaHost ?? '';
    let profile = profiles.get(host);
    if (!profile) {
      profile = detectMachineProfile({ ...(host ? { ollamaHost: host } : {}), env, keyVariables });
      profiles.set(host, profile);
    }
    return profile;
  };

  return async (target) => {
    const diagnostics: Diagnostic[] = [];
    let machineProviders: string[] = [];
    if (options.profile) {
      if (options.machineFile !== undefined && (await pathKind(machineFile)) === 'missing') {
        return [
          createDiagnostic({
            file: machineFile,
            code: 'file/missing',
            message: 'the machine-level tiers.yaml given with --machine-file does not exist',
          }),
        ];
      }
      const machine = await validateTiersFile(machineFile, { scope: 'machine' });
      if (!isMissing(machine.diagnostics)) diagnostics.push(...machine.diagnostics);
      machineProviders = Object.keys(machine.value?.providers ?? {});
    }
    const groupProviders = target.groupDir ? await providersIn(target.groupDir) : [];
    const path = join(target.dir, FILE);
    if ((await pathKind(path)) !== 'missing') {
      const own = await validateTiersFile(path, {
        scope: 'group',
        displayPath: join(target.display, FILE),
        knownProviders: [...machineProviders, ...groupProviders],
      });
      diagnostics.push(...own.diagnostics);
    }
    if (!options.profile || hasErrors(diagnostics)) return diagnostics;
    diagnostics.push(...(await unresolvable(target)));
    return diagnostics;
  };

  async function unresolvable(target: ValidationTarget): Promise<Diagnostic[]> {
    const groupDir = target.kind === 'group' ? target.dir : target.groupDir;
    const loaded = await loadTiersConfig({
      ...(groupDir ? { groupDir } : {}),
      ...(target.kind === 'agent' ? { agentDir: target.dir } : {}),
      machineFile,
      env,
    });
    const config = loaded.config;
    if (!config) return []; // its errors are reported where the files are checked
    const manifest = await readYamlFile(join(target.dir, 'manifest.yaml'), {
      displayPath: join(target.display, 'manifest.yaml'),
    });
    const uses = tiersUsed(target, manifest.value);
    if (uses.length === 0) return [];
    const keyVariables = Object.values(config.providers).flatMap((provider) =>
      provider.keyVariable ? [provider.keyVariable] : [],
    );
    const profile = await profileFor(config.providers.ollama?.baseUrl, keyVariables);
    const found: Diagnostic[] = [];
    for (const { tier, path, who } of uses) {
      let resolution: ReturnType<typeof resolveTier>;
      try {
        resolution = resolveTier(tier, config, profile, env);
      } catch {
        continue; // not a tier: the manifest check reports it
      }
      if (resolution.candidates.length > 0) continue;
      const why =
        resolution.excluded.length === 0
          ? `no tiers.yaml read (${config.files.length ? config.files.map((file) => relativeTo(target, file)).join(', ') : 'none found'}) lists a candidate for it`
          : resolution.excluded
              .map(({ candidate, reason }) => `${candidate.id}: ${reason}`)
              .join('; ');
      found.push(
        createDiagnostic({
          file: manifest.file,
          ...manifest.position(path),
          code: 'tiers/unresolvable',
          severity: 'warning',
          message: `${who} tier "${tier}" resolves to no model on this machine, so a run would fail: ${why}`,
          hint: 'karnel tiers doctor shows each tier and why; add a candidate to tiers.yaml, pull the model, or set the key',
        }),
      );
    }
    return found;
  }
}

/** `karnel validate`'s tiers check, without `--profile`: see {@link createTiersCheck}. */
export const tiersCheck: DirectoryCheck = createTiersCheck();

function isMissing(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.length === 1 && diagnostics[0]!.code === 'file/missing';
}

/** The providers a group's `tiers.yaml` declares, even when it has errors (they are its own to report). */
async function providersIn(dir: string): Promise<string[]> {
  const path = join(dir, FILE);
  if ((await pathKind(path)) !== 'file') return [];
  const { value } = await readYamlFile(path);
  return isRecord(value) && isRecord(value.providers) ? Object.keys(value.providers) : [];
}

/** How to show a file a target's configuration was read from: as the user wrote the target, when it is near. */
function relativeTo(target: ValidationTarget, file: string): string {
  const shown = join(target.display, relative(target.dir, file));
  return shown.startsWith('..') ? file : shown;
}

interface TierUse {
  readonly tier: string;
  readonly path: DocumentPath;
  readonly who: string;
}

/** The tiers a manifest asks for: an agent's `model_class`, each group member's. */
function tiersUsed(target: ValidationTarget, manifest: unknown): TierUse[] {
  if (!isRecord(manifest)) return [];
  if (target.kind === 'agent') {
    const requirements = manifest.runtime_requirements;
    if (!isRecord(requirements) || typeof requirements.model_class !== 'string') return [];
    return [
      {
        tier: requirements.model_class,
        path: ['runtime_requirements', 'model_class'],
        who: "the agent's",
      },
    ];
  }
  const members = Array.isArray(manifest.members) ? manifest.members : [];
  return members.flatMap((member, index) =>
    isRecord(member) && typeof member.model_class === 'string'
      ? [
          {
            tier: member.model_class,
            path: ['members', index, 'model_class'],
            who: `member ${typeof member.role === 'string' ? member.role : index}'s`,
          },
        ]
      : [],
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
