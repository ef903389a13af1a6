// The cost of one signed approval round-trip with @karnel/policy: request (file + ledger entry),
// owner signature, verification and decision (file + ledger entry), single use (file + ledger
// entry). Next to it, in the same run: the raw ed25519 sign + verify, and one atomic file write,
// the two things a round-trip cannot avoid.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalJson,
  createSigner,
  generateKeyPair,
  verifySignature,
  writeFileAtomic,
} from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { createApprovalQueue, createAuthority, signApprovalDecision } from '@karnel/policy';

const ROUND_TRIPS = 200;
const owner = createSigner(generateKeyPair().secretKey);
const worker = createSigner(generateKeyPair().secretKey);
const dir = await mkdtemp(join(tmpdir(), 'karnel-bench-'));

function report(label, count, seconds) {
  const each = (seconds * 1000) / count;
  console.log(
    `${label.padEnd(62)} ${each.toFixed(3).padStart(9)} ms each  (${Math.round(count / seconds).toLocaleString('en-US')}/s)`,
  );
}

try {
  const ledger = await openLedger(join(dir, 'ledger'));
  const authority = createAuthority({ dir, owner: owner.did, ledger });
  const queue = createApprovalQueue({ dir, authority, ledger });
  const run = async (count) => {
    for (let index = 0; index < count; index++) {
      const action = { kind: 'publish', issue: index, body: `issue ${index}` };
      const request = await queue.request({
        actor: 'writer',
        capability: 'publish:newsletter',
        action,
        requester: worker,
      });
      const result = await queue.decide(
        signApprovalDecision(request, owner, { decision: 'approve' }),
      );
      if (!result.ok) throw new Error(result.reason);
      const used = await queue.use(request.id, action, {
        capability: 'publish:newsletter',
        executor: worker,
      });
      if (!used.ok) throw new Error(used.reason);
    }
  };
  await run(5);
  let started = process.hrtime.bigint();
  await run(ROUND_TRIPS);
  report(
    'signed approval round-trip (request, approve, use; 3 files + 3 ledger entries)',
    ROUND_TRIPS,
    Number(process.hrtime.bigint() - started) / 1e9,
  );
  await ledger.close();

  const message = new TextEncoder().encode(
    canonicalJson({ approval_id: 'apr_x', action_hash: 'a'.repeat(64), decision: 'approve' }),
  );
  const SIGNS = 2_000;
  started = process.hrtime.bigint();
  for (let index = 0; index < SIGNS; index++) {
    if (!verifySignature(owner.sign(message), message, owner.publicKey))
      throw new Error('verify failed');
  }
  report(
    'baseline: ed25519 sign + verify of one approval payload',
    SIGNS,
    Number(process.hrtime.bigint() - started) / 1e9,
  );

  const WRITES = 200;
  started = process.hrtime.bigint();
  for (let index = 0; index < WRITES; index++)
    await writeFileAtomic(join(dir, 'baseline.json'), `{"n":${index}}\n`);
  report(
    'baseline: one atomic file write (temp file, fsync, rename)',
    WRITES,
    Number(process.hrtime.bigint() - started) / 1e9,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
