// The owner's overview page ("What needs me") of @karnel/dashboard on a group with 100 members
// and a 100,000-entry ledger: requests per second and p95 latency over HTTP on loopback, next
// to a static file (the stylesheet) served by the same server in the same run — the floor a
// page cannot beat. The group is generated once into bench/.data and reused.
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSigner, generateKeyPair } from '@karnel/core';
import { serveDashboard } from '@karnel/dashboard';
import { openLedger } from '@karnel/ledger';

const MEMBERS = 100;
const ENTRIES = 100_000;
const RUNS = 1_000;
const STEPS_PER_RUN = 8;
const REQUESTS = 400;
const CONCURRENCY = 8;

const here = fileURLToPath(new URL('.', import.meta.url));
const example = join(here, '..', 'examples', 'newsletter-co');
const dir = join(here, '.data', `dashboard-${MEMBERS}-members-${ENTRIES}-entries`);

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function generate() {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(example, dir, { recursive: true });
  const owner = createSigner(generateKeyPair().secretKey);
  let manifest = await readFile(join(dir, 'manifest.yaml'), 'utf8');
  manifest = manifest.replace(/owner: "did:key:[^"]+"/, `owner: "${owner.did}"`);
  const extra = [];
  for (let index = 0; index < MEMBERS - 6; index++) {
    const role = `analyst_${String(index).padStart(3, '0')}`;
    const native = index % 2 === 0;
    extra.push(
      `  - role: "${role}"`,
      `    agent_ref: "./members/${role}.yaml"`,
      ...(native
        ? ['    model_class: "bulk-cheap"', '    cadence: "daily"']
        : ['    agent_kind: "foreign"', '    cadence: "on_demand"']),
    );
    await writeFile(
      join(dir, 'members', `${role}.yaml`),
      native
        ? `member:\n  role: "${role}"\n  agent_kind: "karnel-native"\n  agent_ref:\n    location: "./agents/researcher/"\n  membership:\n    joined_at: "2026-05-03T10:05:00Z"\n    contract:\n      cadence: "daily"\n      task_class: "research_synthesis"\n      max_cost_per_run: 0.10\n`
        : `member:\n  role: "${role}"\n  agent_kind: "foreign"\n  adapter:\n    type: "http"\n    endpoint: "http://localhost:7474"\n  membership:\n    joined_at: "2026-05-10T09:00:00Z"\n    contract:\n      cadence: "on_demand"\n      task_class: "analysis"\n      max_cost_per_run: 0.10\n`,
    );
  }
  manifest = manifest.replace('\ncoordination_ref:', `${extra.join('\n')}\n\ncoordination_ref:`);
  await writeFile(join(dir, 'manifest.yaml'), manifest);
  const ledger = await openLedger(join(dir, 'ledger'), { groupCommit: true });
  let written = 0;
  const roles = ['researcher', 'writer', 'critic', 'strategist'];
  for (let run = 0; run < RUNS; run++) {
    const member = roles[run % roles.length];
    const { runId } = await ledger.startRun({
      manifest: {
        member,
        reasons: [{ kind: 'cadence', detail: 'daily', at: new Date().toISOString() }],
        resumed: false,
        tier: 'fast-general',
      },
    });
    const steps = [];
    for (let step = 0; step < STEPS_PER_RUN; step++)
      steps.push(
        ledger.appendStep(runId, {
          runId,
          step,
          kind: 'model',
          model: 'mock:model',
          inputTokens: 900,
          outputTokens: 200,
          cost: '0.0010',
        }),
      );
    await Promise.all(steps);
    // The last runs stay open, as a running company has some.
    if (run < RUNS - 5)
      await ledger.finishRun(runId, {
        member,
        status: 'succeeded',
        cost: '0.0080',
        steps: STEPS_PER_RUN,
      });
    written += STEPS_PER_RUN + (run < RUNS - 5 ? 2 : 1);
  }
  while (written < ENTRIES) {
    const batch = [];
    for (let index = 0; index < 2048 && written < ENTRIES; index++, written++)
      batch.push(
        ledger.append({
          type: 'message.sent',
          body: {
            from: roles[written % 4],
            to: roles[(written + 1) % 4],
            subject: `note ${written}`,
          },
        }),
      );
    await Promise.all(batch);
  }
  await ledger.close();
  await writeFile(join(dir, '.complete'), 'yes\n');
}

if (!(await exists(join(dir, '.complete')))) {
  const started = Date.now();
  console.log(
    `generating a ${MEMBERS}-member group with a ${ENTRIES.toLocaleString('en-US')}-entry ledger in ${dir} …`,
  );
  await generate();
  console.log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const served = await serveDashboard({ dir, port: 0 });
const base = `http://127.0.0.1:${served.port}`;
const headers = { authorization: `Bearer ${served.dashboard.token}` };

async function measure(path) {
  const latencies = [];
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      next++;
      const started = process.hrtime.bigint();
      const response = await fetch(base + path, { headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)];
  return { perSecond: latencies.length / seconds, p95 };
}

try {
  const firstStarted = Date.now();
  const first = await fetch(`${base}/`, { headers });
  const body = await first.text();
  if (!body.includes('What needs me')) throw new Error('the overview did not render');
  console.log(
    `first overview (reads the ${ENTRIES.toLocaleString('en-US')}-entry ledger): ${Date.now() - firstStarted} ms`,
  );
  await measure('/assets/dashboard.css');
  for (const [label, path] of [
    ['overview page "/" (100 members, 100,000 entries)', '/'],
    ['static file /assets/dashboard.css, same server', '/assets/dashboard.css'],
  ]) {
    const { perSecond, p95 } = await measure(path);
    console.log(
      `${label.padEnd(52)} ${Math.round(perSecond).toLocaleString('en-US').padStart(7)} requests/s   p95 ${p95.toFixed(1).padStart(7)} ms   (${REQUESTS} requests, ${CONCURRENCY} at a time)`,
    );
  }
} finally {
  await served.close();
}
