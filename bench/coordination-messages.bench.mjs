// What structured coordination costs: archiving messages through @karnel/coordination (Annex C
// validation, routing, ledger append) next to appending the same objects to the ledger's
// coordination log directly; reading them back verified next to walking the chain alone; and
// evaluating escalation conditions over a long history next to a hand-written rejection count.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCoordinator,
  createLedgerArchive,
  createMessage,
  createRouter,
  evaluateEscalations,
  parseMessage,
  protocolSchema,
  readArchivedMessages,
} from '@karnel/coordination';
import { openLedger, readLedgerEntries } from '@karnel/ledger';

const roles = ['strategist', 'researcher', 'writer', 'critic', 'human_owner'];
const protocol = protocolSchema.parse({
  coordination_type: 'hierarchical',
  hierarchical: {
    decision_authority: 'strategist',
    task_dispatch: [{ source: 'strategist', targets: ['researcher', 'writer'] }],
    review_chain: [
      { actor: 'writer', action: 'draft' },
      { actor: 'critic', action: 'review', blocking: true },
    ],
  },
  escalation_paths: [
    { condition: 'cost_overrun_predicted', to: 'human_owner' },
    { condition: 'critic_rejection_3x', to: 'strategist' },
  ],
});

function line(label, value, unit) {
  console.log(`${label.padEnd(58)} ${value.toFixed(0).padStart(8)} ${unit}`);
}

function seconds(started) {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const root = await mkdtemp(join(tmpdir(), 'karnel-bench-'));
const count = 400;
const task = createMessage({
  type: 'task',
  from: 'strategist',
  to: 'writer',
  payload: { title: 'Issue 12' },
});
const reviews = Array.from({ length: count }, (_, index) =>
  createMessage({
    type: 'review',
    from: index % 2 ? 'critic' : 'writer',
    to: 'strategist',
    payload: {
      task: task.id,
      step: index % 2,
      action: 'review',
      verdict: 'reject',
      blocking: true,
      comments: 'needs numbers',
    },
    cost: { amount: '0.0123', currency: 'USD' },
  }),
);

// 1. Archive: coordinator.send (route + Annex C + ledger) vs ledger.appendCoordination directly.
// Both are fsync-bound and the disk is shared, so the two run in alternating rounds and each
// figure is the median round.
const viaCoordination = join(root, 'coordination');
const direct = join(root, 'direct');
const coordinationLedger = await openLedger(viaCoordination);
const directLedger = await openLedger(direct);
const coordinator = createCoordinator({
  protocol,
  roles,
  archive: createLedgerArchive({ ledger: coordinationLedger }),
});
await coordinator.send(task);
await directLedger.appendCoordination(task);
const rounds = 8;
const perRound = count / rounds;
const sendRates = [];
const appendRates = [];
for (let round = 0; round < rounds; round++) {
  const batch = reviews.slice(round * perRound, (round + 1) * perRound);
  let started = process.hrtime.bigint();
  for (const message of batch) await coordinator.send(message);
  sendRates.push(perRound / seconds(started));
  started = process.hrtime.bigint();
  for (const message of batch) await directLedger.appendCoordination(message);
  appendRates.push(perRound / seconds(started));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
line(`coordinator.send (each fsync'd), median of ${rounds} rounds`, median(sendRates), 'msg/s');
line('baseline: ledger.appendCoordination, same objects', median(appendRates), 'msg/s');
await coordinationLedger.close();
await directLedger.close();

// The CPU part alone: routing and Annex C validation, no disk.
const router = createRouter(protocol, { roles });
let started = process.hrtime.bigint();
for (let round = 0; round < 25; round++)
  for (const message of reviews) router.check(parseMessage(message));
line('route + Annex C parse, in memory', (25 * count) / seconds(started), 'msg/s');
started = process.hrtime.bigint();
for (let round = 0; round < 25; round++)
  for (const message of reviews) JSON.parse(JSON.stringify(message));
line('baseline: JSON round trip of the same message', (25 * count) / seconds(started), 'msg/s');

// 2. Read back: verified messages vs the chain walk alone.
const reads = 20;
started = process.hrtime.bigint();
for (let round = 0; round < reads; round++) await readArchivedMessages(viaCoordination);
line(
  'readArchivedMessages (chain + digest check + Annex C)',
  ((count + 1) * reads) / seconds(started),
  'msg/s',
);
started = process.hrtime.bigint();
for (let round = 0; round < reads; round++)
  for await (const _ of readLedgerEntries(viaCoordination)) void _;
line(
  'baseline: readLedgerEntries (chain walk only)',
  ((count + 1) * reads) / seconds(started),
  'entries/s',
);

// 3. Escalation over a long history (10 000 reviews over 500 tasks).
const tasks = Array.from({ length: 500 }, (_, index) =>
  createMessage({
    type: 'task',
    from: 'strategist',
    to: 'writer',
    payload: { title: `t${index}` },
  }),
);
const history = [...tasks];
for (let index = 0; index < 10_000; index++) {
  history.push(
    createMessage({
      type: 'review',
      from: 'critic',
      to: 'writer',
      payload: {
        task: tasks[index % 500].id,
        step: 1,
        action: 'review',
        verdict: index % 7 ? 'reject' : 'approve',
        blocking: true,
      },
    }),
  );
}
const evaluations = 50;
started = process.hrtime.bigint();
let triggers = 0;
for (let round = 0; round < evaluations; round++) {
  triggers = (
    await evaluateEscalations({
      paths: protocol.escalation_paths,
      history,
      predictedCost: { amount: '41.20', currency: 'USD' },
      remainingBudget: { amount: '37.70', currency: 'USD' },
    })
  ).triggers.length;
}
line(
  `evaluateEscalations over ${history.length} messages (${triggers} triggers)`,
  evaluations / seconds(started),
  'evals/s',
);
started = process.hrtime.bigint();
let baseline = 0;
for (let round = 0; round < evaluations; round++) {
  const streaks = new Map();
  for (const message of history) {
    if (message.type !== 'review' || message.from !== 'critic') continue;
    const current =
      message.payload.verdict === 'reject' ? (streaks.get(message.payload.task) ?? 0) + 1 : 0;
    streaks.set(message.payload.task, current);
  }
  baseline = [...streaks.values()].filter((value) => value >= 3).length;
}
line(
  `baseline: hand-written streak count (${baseline} streaks)`,
  evaluations / seconds(started),
  'evals/s',
);

await rm(root, { recursive: true, force: true });
