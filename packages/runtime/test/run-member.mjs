// One runtime process carrying out one run, for the end-to-end test: a restart between two
// executions of a run is two of these processes. Models are the AI SDK's mock model answering
// with the scripted offline demo model of the group.
// Usage: node run-member.mjs <group-dir> <member> <run-id> <resume: 0|1> <reasons-json>
// Prints one JSON line: the run result and the prompts of the model calls this process made.
import { join } from 'node:path';
import { MockLanguageModelV4 } from 'ai/test';
import {
  createOfflineModel,
  createRunExecutor,
  openRuntimeParts,
  readOfflineScript,
} from '../dist/index.js';

const [dir, member, runId, resume, reasonsJson] = process.argv.slice(2);
const read = await readOfflineScript(join(dir, 'offline-demo.yaml'));
if (!read.script) throw new Error(read.diagnostics.map((d) => d.message).join('\n'));
const offline = createOfflineModel(read.script);
// KARNEL_TEST_STALL_AT_CALL=n: the n-th live model call (from 0) never answers, after saying so
// on standard output, so that the test can SIGKILL this process mid-run.
const stallAt = process.env.KARNEL_TEST_STALL_AT_CALL;
let calls = 0;
const mock = new MockLanguageModelV4({
  doGenerate: (options) => {
    if (stallAt !== undefined && calls++ === Number(stallAt)) {
      process.stdout.write('stalled\n');
      return new Promise(() => {});
    }
    return offline.doGenerate(options);
  },
});
const parts = await openRuntimeParts(dir, {
  machineTiersFile: false,
  languageModels: { languageModel: () => mock },
});
try {
  // KARNEL_TEST_DURABLE_ANSWERS=1: every model answer is on disk before the next model call.
  const durableAnswers = process.env.KARNEL_TEST_DURABLE_ANSWERS !== '0';
  const result = await createRunExecutor(parts, { durableAnswers }).execute(
    { runId, member, reasons: JSON.parse(reasonsJson), resume: resume === '1' },
    { signal: new AbortController().signal },
  );
  const calls = mock.doGenerateCalls.map(
    (call) => call.prompt.filter((message) => message.role === 'assistant').length,
  );
  process.stdout.write(`${JSON.stringify({ result, modelCalls: calls })}\n`);
} finally {
  await parts.close();
}
