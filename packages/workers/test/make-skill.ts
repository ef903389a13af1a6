import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadSkill, type Skill } from '@karnel/skills';

/** What a test skill declares. */
export interface TestSkillSpec {
  readonly name: string;
  readonly runtime: 'node' | 'python' | 'wasm' | 'native';
  readonly entry?: string;
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  readonly capabilities?: readonly string[];
  readonly sandbox?: Record<string, unknown>;
  readonly sha256?: string;
}

/** A fresh temporary folder. */
export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'karnel-'));
}

/**
 * Writes a real skill folder (SKILL.md, karnel.yaml, files) under `parent` and loads it with
 * `@karnel/skills`, failing loudly on any diagnostic error.
 */
export async function makeSkill(parent: string, spec: TestSkillSpec): Promise<Skill> {
  const dir = join(parent, spec.name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'SKILL.md'),
    `---\nname: ${spec.name}\ndescription: A test skill for the ${spec.runtime} worker.\n---\n\nTest skill.\n`,
  );
  const execution: Record<string, unknown> = { runtime: spec.runtime };
  if (spec.entry) execution.entry = spec.entry;
  if (spec.sha256) execution.sha256 = spec.sha256;
  if (spec.capabilities) execution.capabilities_required = [...spec.capabilities];
  if (spec.sandbox) execution.sandbox = spec.sandbox;
  // JSON is YAML, and keeps this helper free of a YAML dependency.
  await writeFile(
    join(dir, 'karnel.yaml'),
    JSON.stringify({ karnel_skill_version: '0.2', execution }, null, 2),
  );
  for (const [name, content] of Object.entries(spec.files ?? {})) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const { skill, diagnostics } = await loadSkill(dir);
  if (!skill)
    throw new Error(`test skill ${spec.name} did not load: ${JSON.stringify(diagnostics)}`);
  return skill;
}
