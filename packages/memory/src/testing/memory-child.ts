// A child process for crash and concurrency tests: `node --import ./register-typescript.mjs
// memory-child.ts <backend> <memory dir> <task> [count]`.
//
// - append-forever: appends one episode at a time and prints each id once the append resolved
//   (that is, once it was acknowledged), until killed.
// - append-batches <count>: appends <count> batches of 10 episodes, printing each batch's ids.
import { createMemory, type MemoryBackend } from '../create-memory';

const [backend, dir, task, count] = process.argv.slice(2) as [
  MemoryBackend,
  string,
  string,
  string | undefined,
];
const store = createMemory({ backend, dir });

if (task === 'append-forever') {
  for (let index = 0; ; index++) {
    const episode = await store.appendEpisode({
      kind: 'note',
      text: `crash test episode ${index}`,
    });
    process.stdout.write(`${episode.id}\n`);
  }
} else if (task === 'append-batches') {
  for (let batch = 0; batch < Number(count); batch++) {
    const episodes = await store.appendEpisodes(
      Array.from({ length: 10 }, (_, index) => ({
        kind: 'note',
        text: `batch ${batch} episode ${index}`,
      })),
    );
    process.stdout.write(`${episodes.map((episode) => episode.id).join(' ')}\n`);
  }
  await store.close();
} else {
  throw new Error(`unknown task ${task}`);
}
