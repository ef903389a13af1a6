/**
 * The code of the thread a WebAssembly skill runs in (a `data:` URL module, so the package needs
 * no second entry file). It loads the module through Extism's JS SDK with the host functions the
 * sandbox grants and nothing else, replaces Extism's `alloc` with one that counts bytes against
 * the host-memory budget, replaces `http_request` with one that refuses, calls the export, and
 * posts the output back. The parent terminates the thread when the time limit passes, which
 * stops even a loop that never calls out.
 */
export const WASM_THREAD_SOURCE = String.raw`
import { parentPort, workerData } from 'node:worker_threads';

const { extismUrl, bytes, input, functionName, hostBudgetBytes, useWasi, allowedPaths } = workerData;
const logs = [];
const logger = Object.fromEntries(
  ['trace', 'debug', 'info', 'warn', 'error', 'log'].map((level) => [level, (...parts) => logs.push(level + ': ' + parts.join(' '))]),
);
const tagged = (tag, message) => new Error('[' + tag + '] ' + message);
let used = 0;
try {
  const { createPlugin } = await import(extismUrl);
  const plugin = await createPlugin(
    { wasm: [{ data: bytes }] },
    {
      useWasi,
      allowedPaths,
      allowedHosts: [],
      enableWasiOutput: false,
      logger,
      functions: {
        'extism:host/env': {
          alloc(context, size) {
            used += Number(size);
            if (used > hostBudgetBytes) {
              throw tagged('memory', 'host memory cap of ' + hostBudgetBytes + ' bytes exceeded');
            }
            return context.alloc(size);
          },
          http_request() {
            throw tagged('policy', 'http_request is not granted: the skill has no network');
          },
          http_status_code() {
            return 0;
          },
        },
      },
    },
  );
  const output = await plugin.call(functionName, input);
  parentPort.postMessage({ ok: true, output: output ? output.bytes().slice() : new Uint8Array(), logs });
  await plugin.close();
} catch (error) {
  const message = String(error && error.message ? error.message : error);
  const tag = /\[(memory|policy)\]/.exec(message);
  const kind = tag
    ? tag[1]
    : error instanceof WebAssembly.LinkError
      ? 'policy'
      : error instanceof RangeError && /memory/i.test(message)
        ? 'memory'
        : 'crash';
  parentPort.postMessage({ ok: false, kind, message, logs });
}
`;
