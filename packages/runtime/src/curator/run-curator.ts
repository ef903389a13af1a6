import { mkdir, rename } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import {
  type Clock,
  createId,
  type Diagnostic,
  hasErrors,
  pathKind,
  readYamlFile,
  type Signer,
  systemClock,
  ValidationError,
} from '@karnel/core';
import { openLedger, readLedgerEntries } from '@karnel/ledger';
import { resolveComponent, validateGroupDir } from '@karnel/manifest';
import { type CuratorConfig, discoverSkills, loadCuratorConfig, type Skill } from '@karnel/skills';
import { type LanguageModelSource, loadTiersConfig } from '@karnel/tiers';
import { createTreasury } from '@karnel/treasury';
import { findEscapingSymlinks } from '@karnel/validate';
import { locateGroup } from '../migration/open-group';
import { createTierModelSource, type RunModelSource } from '../run/run-model-source';
import { type CuratorModelPass, runCuratorModelPass } from './curator-model-pass';
import { CURATOR_RECORD_TYPES, type CuratorMutation } from './curator-records';
import { hashFolder } from './file-hashes';
import { holdGroupForCurator } from './hold-group-for-curator';
import { countSkillUsage } from './skill-usage';
import { writeCuratorSnapshot } from './snapshot';

/** A skill's grade: how the curator sees it after one pass. */
export type SkillGradeName = 'active' | 'stale' | 'archived' | 'protected' | 'pinned';

/** One skill of the report. */
export interface SkillGrade {
  /** The skill's name. */
  readonly name: string;
  /** Its folder, relative to the group directory. */
  readonly path: string;
  /** The grade. */
  readonly grade: SkillGradeName;
  /** Uses recorded in the ledgers. */
  readonly uses: number;
  /** Time of the last recorded use. */
  readonly lastUsed?: string;
  /** Whole days since the skill was last used, created or first seen. */
  readonly idleDays: number;
}

/** A hypothesis whose evidence has not been reviewed for too long. */
export interface StaleHypothesis {
  /** The strategic memory file, relative to the group directory. */
  readonly file: string;
  /** The hypothesis id. */
  readonly id: string;
  /** What it claims. */
  readonly statement: string;
  /** Its `last_reviewed` date, if any. */
  readonly lastReviewed?: string;
  /** Days since then (absent when never reviewed). */
  readonly idleDays?: number;
}

/** What a pass found and did (or, in a dry run, would do). */
export interface CuratorReport {
  /** The pass id (`ent_…`). */
  readonly pass: string;
  /** Whether nothing was changed. */
  readonly dryRun: boolean;
  /** When the pass ran. */
  readonly at: string;
  /** Every skill, most used first. */
  readonly skills: readonly SkillGrade[];
  /** Hypotheses flagged stale. */
  readonly staleHypotheses: readonly StaleHypothesis[];
  /** The mutations made (or planned, in a dry run). */
  readonly mutations: readonly CuratorMutation[];
  /**
   * The optional model pass (present only when `curator.yaml` enables it): its proposals, never
   * applied, what was filtered out, its cost or its error.
   */
  readonly modelPass?: CuratorModelPass;
  /** The snapshot taken before the pass (absent in a dry run). */
  readonly snapshot?: {
    /** The snapshot tar's path, relative to the group directory. */
    readonly path: string;
    /** The SHA-256 of the snapshot tar, in hex. */
    readonly sha256: string;
  };
}

/** Options of {@link runCurator}. */
export interface RunCuratorOptions {
  /** Grade and report only: write nothing, not even to the ledger. Default `false`. */
  readonly dryRun?: boolean;
  /** The current time. Default: the system clock. */
  readonly clock?: Clock;
  /** Signs the curator's ledger entries (the runtime's key). */
  readonly signer?: Signer;
  /**
   * The caller already holds the group's runtime lease (a runtime running its weekly pass), so
   * the pass does not take it. The caller has also checked that the group is active. Default
   * `false`: the pass takes the lease itself and refuses a running group.
   */
  readonly leaseHeld?: boolean;
  /**
   * Where the model pass's model comes from (the whole choice). Default: the tier of
   * `curator.yaml` resolved from the group's `tiers.yaml` on this machine, each call priced by
   * the candidate that answered. Used only when the model pass is enabled.
   */
  readonly models?: RunModelSource;
  /**
   * Candidate models to use in place of the providers of `tiers.yaml` (tests pass mock models);
   * ignored when `models` is given.
   */
  readonly languageModels?: LanguageModelSource;
  /** Where the machine-level `tiers.yaml` is; `false` reads none. Default: the user's config folder. */
  readonly machineTiersFile?: string | false;
}

const DAY = 86_400_000;
const toPosix = (path: string) => path.split(sep).join('/');

interface SkillRootFolder {
  readonly dir: string;
  readonly source: 'group' | 'agent';
}

async function skillRoots(dir: string): Promise<SkillRootFolder[]> {
  const roots: SkillRootFolder[] = [];
  const group = await resolveComponent(dir, 'skills');
  if (group.ok && group.exists) roots.push({ dir: group.path, source: 'group' });
  for (const agent of (await validateGroupDir(dir)).agents) {
    const skills = await resolveComponent(agent.dir, 'skills');
    if (skills.ok && skills.exists && skills.path.startsWith(dir))
      roots.push({ dir: skills.path, source: 'agent' });
  }
  return roots;
}

async function memberLedgers(dir: string, groupLedger: string): Promise<string[]> {
  const ledgers: string[] = [];
  if ((await pathKind(join(groupLedger, 'chain.jsonl'))) === 'file') ledgers.push(groupLedger);
  for (const agent of (await validateGroupDir(dir)).agents) {
    const ledger = await resolveComponent(agent.dir, 'ledger');
    if (ledger.ok && (await pathKind(join(ledger.path, 'chain.jsonl'))) === 'file')
      ledgers.push(ledger.path);
  }
  return ledgers;
}

async function staleHypotheses(
  dir: string,
  now: Date,
  afterDays: number,
): Promise<StaleHypothesis[]> {
  const files: string[] = [];
  const memory = await resolveComponent(dir, 'memory');
  if (memory.ok) files.push(join(memory.path, 'strategic.yaml'));
  for (const agent of (await validateGroupDir(dir)).agents) {
    const agentMemory = await resolveComponent(agent.dir, 'memory');
    if (agentMemory.ok) files.push(join(agentMemory.path, 'strategic.yaml'));
  }
  const stale: StaleHypothesis[] = [];
  const mistakes: Diagnostic[] = [];
  for (const file of files) {
    if ((await pathKind(file)) === 'missing') continue;
    const document = await readYamlFile(file, {
      displayPath: toPosix(relative(dir, file)),
      root: dir,
    });
    // A strategic memory that cannot be read is reported, never taken for "no hypotheses".
    if (hasErrors(document.diagnostics)) {
      mistakes.push(...document.diagnostics.filter((d) => d.severity === 'error'));
      continue;
    }
    const hypotheses = (document.value as { hypotheses?: unknown } | undefined)?.hypotheses;
    if (!Array.isArray(hypotheses)) continue;
    for (const hypothesis of hypotheses as Record<string, unknown>[]) {
      if (typeof hypothesis?.id !== 'string') continue;
      const reviewed =
        typeof hypothesis.last_reviewed === 'string'
          ? Date.parse(hypothesis.last_reviewed)
          : Number.NaN;
      const idleDays = Number.isNaN(reviewed)
        ? undefined
        : Math.floor((now.getTime() - reviewed) / DAY);
      if (idleDays !== undefined && idleDays < afterDays) continue;
      stale.push({
        file: toPosix(relative(dir, file)),
        id: hypothesis.id,
        statement: typeof hypothesis.statement === 'string' ? hypothesis.statement : '',
        ...(typeof hypothesis.last_reviewed === 'string'
          ? { lastReviewed: hypothesis.last_reviewed }
          : {}),
        ...(idleDays !== undefined ? { idleDays } : {}),
      });
    }
  }
  if (mistakes.length > 0)
    throw new ValidationError({
      diagnostics: mistakes,
      message: 'strategic memory cannot be read',
    });
  return stale;
}

async function firstSightings(ledgerDir: string): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  if ((await pathKind(join(ledgerDir, 'chain.jsonl'))) !== 'file') return seen;
  for await (const entry of readLedgerEntries(ledgerDir, { type: CURATOR_RECORD_TYPES.pass })) {
    const first = entry.body.first_seen;
    if (first && typeof first === 'object')
      for (const [path, time] of Object.entries(first as Record<string, unknown>))
        if (typeof time === 'string' && !seen.has(path)) seen.set(path, time);
  }
  return seen;
}

/** The model source of the model pass: given, or the group's tiers on this machine. */
/** When the group's ledger was started (its first entry); `now` when it has none yet. */
async function ledgerStartedAt(ledgerDir: string, now: Date): Promise<number> {
  if ((await pathKind(join(ledgerDir, 'chain.jsonl'))) !== 'file') return now.getTime();
  for await (const entry of readLedgerEntries(ledgerDir)) {
    const time = Date.parse(entry.time);
    return Number.isNaN(time) ? now.getTime() : time;
  }
  return now.getTime();
}

function modelPassSource(
  dir: string,
  pass: string,
  { models, languageModels, machineTiersFile }: RunCuratorOptions,
) {
  let source: Promise<RunModelSource> | undefined;
  return async (tier: CuratorConfig['model_pass']['tier']) => {
    source ??= models
      ? Promise.resolve(models)
      : loadTiersConfig({
          groupDir: dir,
          ...(machineTiersFile !== undefined ? { machineFile: machineTiersFile } : {}),
        }).then((loaded) => {
          if (!loaded.config)
            throw new ValidationError({
              diagnostics: [...loaded.diagnostics],
              message: `the tiers configuration is not valid: ${loaded.diagnostics[0]?.message ?? 'unknown'}`,
            });
          return createTierModelSource({
            config: loaded.config,
            ...(languageModels ? { languageModels } : {}),
          });
        });
    return (await source)({ member: 'curator', tier, runId: pass });
  };
}

/**
 * One curator pass over a group's skill library (deterministic first): grades every skill
 * by the uses the ledgers record (`skill.run_started`) — `active`, `stale` after
 * `stale_after_days` (14) without use, archived after `archive_after_days` (30): moved to
 * `.archive/` in its skills folder, never deleted. A skill's age counts from its last use,
 * else its `provenance.created_at`, else the first pass that saw it. Protected skills (hub and
 * bundled) and those `curator.yaml` pins are never touched. Hypotheses of strategic memory not
 * reviewed for `hypothesis_stale_after_days` are flagged.
 *
 * Unless `dryRun`, it first writes a snapshot of every skills folder, then ledgers each
 * mutation (`curator.mutation`: before/after file hashes, and the before bytes as record
 * files, so {@link rollbackCuratorMutation} restores them exactly) and the pass itself
 * (`curator.pass`). A dry run writes nothing at all.
 *
 * When `curator.yaml` enables `model_pass` (off by default: no model is called), a model on a
 * cheap tier then proposes consolidations from the skill index and its grades (see
 * `runCuratorModelPass`): the proposals go to the report and, unless `dryRun`, to the ledger
 * (`curator.proposals`, paid from a treasury reservation) — never applied; protected and pinned
 * skills are filtered out of them. A dry run resolves the tier's model but does not call it
 * (every model call is paid and ledgered; a dry run writes nothing). A model pass that fails is recorded as an error; the deterministic pass stands.
 *
 * A pass that is not a dry run is refused for a dissolved or handed-off group, and while a
 * runtime holds the group's lease; it holds that lease itself while it changes skills.
 *
 * @throws {ValidationError} when `curator.yaml` has mistakes (diagnostics with file, line, column),
 *   or a symlink in the group leads outside it (`fs/symlink-escapes`; nothing is read).
 * @throws {MigrationError} `migration/invalid` (dissolved or handed-off), `migration/running`.
 */
export async function runCurator(
  dir: string,
  options: RunCuratorOptions = {},
): Promise<CuratorReport> {
  if (options.dryRun || options.leaseHeld) return curatorPass(dir, options);
  const release = await holdGroupForCurator(dir, options.clock ?? systemClock, 'change skills');
  try {
    return await curatorPass(dir, options);
  } finally {
    await release();
  }
}

async function curatorPass(dir: string, options: RunCuratorOptions): Promise<CuratorReport> {
  const { dryRun = false, clock = systemClock, signer } = options;
  const loaded = await loadCuratorConfig(dir);
  if (!loaded.config || hasErrors(loaded.diagnostics))
    throw new ValidationError({
      diagnostics: [...loaded.diagnostics],
      message: 'curator.yaml has mistakes',
    });
  const config = loaded.config;
  const group = await locateGroup(dir);
  // The pass reads skills and strategic memory and quotes them: nothing is read through a link
  // that leads out of the group.
  const escapes = await findEscapingSymlinks(group.dir, { displayPath: dir });
  if (escapes.length > 0)
    throw new ValidationError({
      diagnostics: escapes,
      message: 'the group has symlinks that lead outside it',
    });
  const now = clock.now();
  const pass = createId('ent', now.getTime());
  const roots = await skillRoots(group.dir);
  const usage = await countSkillUsage(await memberLedgers(group.dir, group.ledgerDir));
  const sightings = await firstSightings(group.ledgerDir);
  const observedSince = await ledgerStartedAt(group.ledgerDir, now);
  const firstSeen: Record<string, string> = {};
  const grades: (SkillGrade & { skill: Skill; root: string })[] = [];
  for (const root of roots) {
    const discovered = await discoverSkills([
      { dir: root.dir, source: root.source, root: group.dir },
    ]);
    for (const skill of discovered.skills) {
      const path = toPosix(relative(group.dir, skill.dir));
      const used = usage.get(skill.name);
      if (!sightings.has(path)) firstSeen[path] = now.toISOString();
      // Evidence of life: the last recorded use and the creation date; a skill with neither
      // ages from the first pass that saw it.
      const evidence = [used?.lastUsed, skill.karnel?.provenance?.created_at]
        .filter((time): time is string => typeof time === 'string')
        .map((time) => Date.parse(time))
        .filter((time) => !Number.isNaN(time));
      const times =
        evidence.length > 0 ? evidence : [Date.parse(sightings.get(path) ?? now.toISOString())];
      // Disuse is known only for as long as the ledger has watched: a skill is never idle for
      // longer than the group's ledger is old (a copied example is not 200 days unused).
      times.push(observedSince);
      const idleDays = Math.max(0, Math.floor((now.getTime() - Math.max(...times)) / DAY));
      const pinned = config.pinned.includes(skill.name) || config.pinned.includes(path);
      const grade: SkillGradeName = skill.protected
        ? 'protected'
        : pinned
          ? 'pinned'
          : idleDays >= config.archive_after_days
            ? 'archived'
            : idleDays >= config.stale_after_days
              ? 'stale'
              : 'active';
      grades.push({
        name: skill.name,
        path,
        grade,
        uses: used?.uses ?? 0,
        ...(used?.lastUsed ? { lastUsed: used.lastUsed } : {}),
        idleDays,
        skill,
        root: root.dir,
      });
    }
  }
  grades.sort((a, b) => b.uses - a.uses || a.path.localeCompare(b.path));
  const hypotheses = await staleHypotheses(group.dir, now, config.hypothesis_stale_after_days);
  const planned = grades.filter((grade) => grade.grade === 'archived');
  const mutations: CuratorMutation[] = [];
  const plan = async (grade: (typeof planned)[number]) => {
    const inRoot = toPosix(relative(grade.root, grade.skill.dir));
    const to = toPosix(relative(group.dir, join(grade.root, '.archive', inRoot)));
    const destination = (await pathKind(join(group.dir, to))) === 'missing' ? to : `${to}-${pass}`;
    const before = await hashFolder(group.dir, grade.path);
    return {
      before,
      mutation: {
        mutation: createId('ent', now.getTime()),
        pass,
        action: 'archive' as const,
        skill: grade.name,
        from: grade.path,
        to: destination,
        reason: `unused for ${grade.idleDays} days (archive after ${config.archive_after_days})`,
        before: before.hashes,
        after: before.hashes.map((file) => ({
          ...file,
          path: `${destination}${file.path.slice(grade.path.length)}`,
        })),
      },
    };
  };
  let modelPass: CuratorModelPass | undefined;
  const report = (snapshot?: CuratorReport['snapshot']): CuratorReport => ({
    pass,
    dryRun,
    at: now.toISOString(),
    skills: grades.map(({ skill: _skill, root: _root, ...grade }) => grade),
    staleHypotheses: hypotheses,
    mutations,
    ...(modelPass ? { modelPass } : {}),
    ...(snapshot ? { snapshot } : {}),
  });
  const proposeWith = (treasury?: Parameters<typeof runCuratorModelPass>[0]['treasury']) =>
    runCuratorModelPass({
      dryRun,
      settings: config.model_pass,
      pass,
      skills: grades
        .slice(0, config.model_pass.max_skills)
        .map(({ name, grade, uses, idleDays, skill }) => ({
          name,
          grade,
          uses,
          idleDays,
          description: skill.description,
        })),
      model: modelPassSource(group.dir, pass, options),
      ...(treasury ? { treasury } : {}),
    });
  if (dryRun) {
    for (const grade of planned) mutations.push((await plan(grade)).mutation);
    if (config.model_pass.enabled) modelPass = await proposeWith();
    return report();
  }
  const snapshot = await writeCuratorSnapshot(
    group.dir,
    roots.map((root) => toPosix(relative(group.dir, root.dir))),
    `${now.toISOString().replace(/[:.]/g, '-')}-${pass}`,
  );
  const ledger = await openLedger(group.ledgerDir, { clock, ...(signer ? { signer } : {}) });
  try {
    for (const grade of planned) {
      const { before, mutation } = await plan(grade);
      await mkdir(dirname(join(group.dir, mutation.to)), { recursive: true });
      await rename(join(group.dir, mutation.from), join(group.dir, mutation.to));
      const after = await hashFolder(group.dir, mutation.to);
      const done = { ...mutation, after: after.hashes };
      const files: Record<string, Uint8Array> = {};
      for (const [path, bytes] of before.bytes) files[`before/${path}`] = bytes;
      try {
        await ledger.append({ type: CURATOR_RECORD_TYPES.mutation, body: done, files });
      } catch (error) {
        await rename(join(group.dir, mutation.to), join(group.dir, mutation.from));
        throw error;
      }
      mutations.push(done);
    }
    if (config.model_pass.enabled) {
      const treasuryDir = await resolveComponent(group.dir, 'treasury');
      const treasury =
        treasuryDir.ok && treasuryDir.exists
          ? createTreasury({ dir: treasuryDir.path, ledger, clock })
          : undefined;
      try {
        modelPass = await proposeWith(treasury);
      } finally {
        await treasury?.close();
      }
      await ledger.append({
        type: CURATOR_RECORD_TYPES.proposals,
        body: {
          pass,
          tier: modelPass.tier,
          proposals: modelPass.proposals,
          filtered: modelPass.filtered,
          ...(modelPass.error !== undefined ? { error: modelPass.error } : {}),
          tokens: modelPass.tokens,
          cost: modelPass.cost,
          ...(modelPass.reservation ? { reservation: modelPass.reservation } : {}),
          ...(modelPass.charged ? { charged: modelPass.charged } : {}),
        },
      });
    }
    await ledger.append({
      type: CURATOR_RECORD_TYPES.pass,
      body: {
        pass,
        snapshot: { path: snapshot.path, sha256: snapshot.sha256 },
        grades: Object.fromEntries(grades.map((grade) => [grade.path, grade.grade])),
        first_seen: firstSeen,
        mutations: mutations.map((mutation) => mutation.mutation),
        stale_hypotheses: hypotheses.map((hypothesis) => hypothesis.id),
      },
    });
  } finally {
    await ledger.close();
  }
  return report({ path: snapshot.path, sha256: snapshot.sha256 });
}
