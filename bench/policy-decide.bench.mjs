// Decisions per second of @karnel/policy for a policy of 1,000 rules against 10,000 requests,
// next to the same requests against a 10-rule policy and a plain Map lookup of exact
// capability strings (the floor any policy check costs).
import { createPolicy } from '@karnel/policy';

const RULES = 1_000;
const REQUESTS = 10_000;
const ROUNDS = 5;

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = (count) => Math.floor(random() * count);

function makeRules(count) {
  const rules = [];
  for (let index = 0; index < count; index++) {
    const kind = index % 8;
    const effect = index % 10 === 0 ? 'deny' : index % 10 === 1 ? 'needs-approval' : 'allow';
    const capability = [
      `fs.read:./workspace/project-${index}/**`,
      `fs.write:/tmp/out/job-${index}/**`,
      `net:*.service-${index}.example.com`,
      `shell.exec:tool-${index}`,
      `secrets.read:APP_${index}_*`,
      `deploy:env-${index}`,
      `spend:${(index % 50) + 1}.00`,
      `custom.action_${index}:target-*`,
    ][kind];
    rules.push({
      id: `rule-${index}`,
      effect,
      capability,
      ...(index % 7 === 0 ? { actors: [`agent-${index % 13}`, 'agt_*'] } : {}),
    });
  }
  return rules;
}

function makeRequests(count, ruleCount) {
  const requests = [];
  for (let index = 0; index < count; index++) {
    const target = pick(ruleCount * 1.2); // some requests match no rule
    const capability = [
      `fs.read:./workspace/project-${target}/src/file-${index}.ts`,
      `fs.write:/tmp/out/job-${target}/result.json`,
      `net:api.service-${target}.example.com`,
      `shell.exec:tool-${target} --run ${index}`,
      `secrets.read:APP_${target}_TOKEN`,
      `deploy:env-${target}`,
      `spend:${(pick(60) + 0.5).toFixed(2)}`,
      `custom.action_${target}:target-${index}`,
    ][target % 8];
    requests.push({ actor: `agent-${pick(13)}`, capability });
  }
  return requests;
}

function measure(label, run) {
  run(); // warm up
  globalThis.gc?.();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  const perSecond = Math.round(REQUESTS / best);
  console.log(
    `${label.padEnd(58)} ${perSecond.toLocaleString('en-US').padStart(12)} decisions/s  (${(best * 1000).toFixed(1)} ms per ${REQUESTS.toLocaleString('en-US')})`,
  );
  return perSecond;
}

const requests = makeRequests(REQUESTS, RULES);
const big = createPolicy({ rules: makeRules(RULES) });
const small = createPolicy({ rules: makeRules(10) });
const exact = new Map(makeRules(RULES).map((rule) => [rule.capability, rule.effect]));

const counts = { allow: 0, deny: 0, 'needs-approval': 0 };
for (const request of requests) counts[big.decide(request).effect]++;
console.log(
  `policy of ${RULES} rules, ${REQUESTS} requests: ${counts.allow} allowed, ${counts.deny} denied, ${counts['needs-approval']} need approval`,
);

let sink = 0;
measure(`decide(), ${RULES.toLocaleString('en-US')} rules`, () => {
  for (const request of requests) sink += big.decide(request).effect.length;
});
measure('decide(), 10 rules', () => {
  for (const request of requests) sink += small.decide(request).effect.length;
});
measure('baseline: Map lookup of the exact capability string', () => {
  for (const request of requests) sink += (exact.get(request.capability) ?? 'deny').length;
});
if (sink === 0) console.log('');
