// What a skill library costs: discovering and fully validating a folder of skills (SKILL.md,
// karnel.yaml, execution manifests) next to merely reading the same files; the same skills laid
// out as Hermes nests them (category/sub-category/skill, every skill found); the prompt summary
// from a warm library; and a usage update (lock, in-place YAML edit, fsync'd atomic write) next
// to a plain unsynced write of the same file.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSkillLibrary, discoverSkills, recordSkillUsage } from '@karnel/skills';

const count = 400;
const root = await mkdtemp(join(tmpdir(), 'karnel-bench-'));
for (let index = 0; index < count; index++) {
  const name = `skill-${index}`;
  const dir = join(root, index % 4 === 0 ? `category-${index % 8}` : '', name);
  await mkdir(join(dir, 'scripts'), { recursive: true });
  const body = Array.from(
    { length: 60 },
    (_, line) => `Step ${line}: do the ${line}th thing carefully.`,
  ).join('\n');
  await writeFile(
    join(dir, 'SKILL.md'),
    `---\nname: ${name}\ndescription: Benchmark skill number ${index}; it does one small thing.\nversion: 1.0.${index}\nplatforms: [linux, macos]\nmetadata:\n  hermes:\n    tags: [bench, n${index}]\n---\n\n# ${name}\n\n${body}\n`,
  );
  await writeFile(join(dir, 'scripts/main.mjs'), 'export {};\n');
  await writeFile(
    join(dir, 'karnel.yaml'),
    `karnel_skill_version: "0.2"\nprovenance:\n  source: self-authored\nusage:\n  total_invocations: ${index}\n  success_rate: 0.5\nexecution:\n  runtime: node\n  capabilities_required: ["fs.read:./data/**"]\n`,
  );
}

async function time(run) {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function readAll(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await readAll(path);
    else await readFile(path, 'utf8');
  }
}

await discoverSkills([{ dir: root, source: 'agent' }]); // warm the page cache and the JIT
await readAll(root);
const rounds = 3;
let discover = Infinity;
let baseline = Infinity;
for (let round = 0; round < rounds; round++) {
  discover = Math.min(
    discover,
    await time(async () => {
      const { skills } = await discoverSkills([{ dir: root, source: 'agent' }]);
      if (skills.length !== count) throw new Error(`found ${skills.length} skills`);
    }),
  );
  baseline = Math.min(baseline, await time(() => readAll(root)));
}
console.log(
  `${`discoverSkills: ${count} skills, parsed and validated`.padEnd(52)} ${discover.toFixed(0).padStart(6)} ms  (${(discover / count).toFixed(2)} ms/skill)`,
);
console.log(
  `${`baseline: read the same ${count * 3} files`.padEnd(52)} ${baseline.toFixed(0).padStart(6)} ms  (${(discover / baseline).toFixed(1)}x)`,
);

// The same skills, three levels deep as in Hermes' mlops/inference/vllm: the search at every
// depth costs a few more folder reads, next to the flat layout above.
const nested = await mkdtemp(join(tmpdir(), 'karnel-bench-'));
for (const entry of await readdir(root, { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  const skillDirs = entry.name.startsWith('category-')
    ? (await readdir(join(root, entry.name))).map((name) => join(entry.name, name))
    : [entry.name];
  for (const skillDir of skillDirs) {
    const name = skillDir.split('/').at(-1);
    const index = Number(name.slice('skill-'.length));
    await cp(join(root, skillDir), join(nested, `area-${index % 5}`, `topic-${index % 7}`, name), {
      recursive: true,
    });
  }
}
await discoverSkills([{ dir: nested, source: 'agent' }]);
let deep = Infinity;
for (let round = 0; round < rounds; round++) {
  deep = Math.min(
    deep,
    await time(async () => {
      const { skills } = await discoverSkills([{ dir: nested, source: 'agent' }]);
      if (skills.length !== count) throw new Error(`found ${skills.length} nested skills`);
    }),
  );
}
console.log(
  `${`discoverSkills: the same ${count}, nested 3 deep (Hermes)`.padEnd(52)} ${deep.toFixed(0).padStart(6)} ms  (${(deep / discover).toFixed(1)}x the flat layout)`,
);
await rm(nested, { recursive: true, force: true });

const library = createSkillLibrary({ roots: [{ dir: root, source: 'agent' }] });
await library.list();
const listings = 1000;
const listing = await time(async () => {
  for (let index = 0; index < listings; index++) await library.list();
});
console.log(
  `${`library.list() on a warm library (${count} summaries)`.padEnd(52)} ${((listing / listings) * 1000).toFixed(0).padStart(6)} µs per call`,
);

const dir = join(root, 'skill-1');
const updates = 200;
const usage = await time(async () => {
  for (let index = 0; index < updates; index++)
    await recordSkillUsage(dir, [{ skill: 'skill-1', success: index % 2 === 0 }]);
});
const text = await readFile(join(dir, 'karnel.yaml'), 'utf8');
const plain = await time(async () => {
  for (let index = 0; index < updates; index++) await writeFile(join(dir, 'plain.yaml'), text);
});
console.log(
  `${'recordSkillUsage (lock + YAML edit + fsync + rename)'.padEnd(52)} ${(usage / updates).toFixed(2).padStart(6)} ms per update`,
);
console.log(
  `${'baseline: writeFile of the same text, no fsync'.padEnd(52)} ${(plain / updates).toFixed(2).padStart(6)} ms per write`,
);
await rm(root, { recursive: true, force: true });
