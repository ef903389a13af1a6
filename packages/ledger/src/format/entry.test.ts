import { createHash } from 'node:crypto';
import { canonicalJson, createSigner } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeEntryLine,
  encodeEntry,
  GENESIS_PREV,
  isRecordType,
  verifyEntrySignature,
} from './entry';

const signer = createSigner(new Uint8Array(32).fill(3));

const bodies = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), {
  maxKeys: 6,
});

describe('entry encoding', () => {
  it('hashes the canonical JSON of the whole entry, whether or not the body comes serialised (property)', () => {
    fc.assert(
      fc.property(
        bodies,
        fc.nat({ max: 2 ** 40 }),
        fc.boolean(),
        fc.boolean(),
        (body, seq, signed, withFiles) => {
          const files = withFiles
            ? [
                {
                  path: 'decisions/dec_a/context.yaml',
                  offset: 0,
                  size: 3,
                  sha256: 'cd'.repeat(32),
                },
              ]
            : [];
          const content = {
            seq,
            prev: 'ef'.repeat(32),
            time: '2026-05-03T10:00:00.000Z',
            type: 'test.one',
            body: body as Record<string, unknown>,
            files,
            ...(signed ? { signer: signer.did } : {}),
          };
          const expected = canonicalJson({
            v: 1,
            ...content,
            files: withFiles ? files : undefined,
          });
          const plain = encodeEntry(content);
          const bodyJson = canonicalJson(body);
          const given = encodeEntry({
            ...content,
            body: JSON.parse(bodyJson) as Record<string, unknown>,
            bodyJson,
          });
          expect(plain.line.toString('utf8')).toBe(
            `{"entry":${expected},"hash":"${plain.entry.hash}"}\n`,
          );
          expect(given.line.equals(plain.line)).toBe(true);
          expect(given.entry).toEqual(plain.entry);
        },
      ),
    );
  });

  it('decodes to what was encoded, with the fast layout reader and the full parser alike (property)', () => {
    fc.assert(
      fc.property(
        bodies,
        fc.nat({ max: 2 ** 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('test.one', 'approval.requested', 'safe_mode.entered', 'x'),
        (body, seq, signed, withFiles, type) => {
          const files = withFiles
            ? [
                {
                  path: 'runs/run_a/steps.jsonl',
                  offset: 10,
                  size: 5,
                  sha256: 'ab'.repeat(32),
                  append: true as const,
                },
              ]
            : [];
          const { entry, line } = encodeEntry(
            {
              seq,
              prev: GENESIS_PREV,
              time: '2026-05-03T10:00:00.000Z',
              type,
              body: body as Record<string, unknown>,
              files,
              ...(signed ? { signer: signer.did } : {}),
            },
            signed ? (message) => signer.sign(message) : undefined,
          );
          const bytes = line.subarray(0, line.length - 1);
          for (const parse of [true, false]) {
            const decoded = decodeEntryLine(Buffer.from(bytes), { parse });
            expect(decoded.ok).toBe(true);
            if (!decoded.ok) return;
            const { body: decodedBody, ...rest } = decoded.entry;
            const { body: expectedBody, ...expectedRest } = entry;
            expect({ ...rest }).toEqual({ ...expectedRest });
            expect(decodedBody).toEqual(expectedBody);
            // The hash is the RFC 6962 leaf hash of the entry's bytes, as they are in the line.
            const text = bytes.toString('utf8');
            const entryBytes = Buffer.from(
              text.slice('{"entry":'.length, text.lastIndexOf(',"hash":"')),
            );
            const leaf = createHash('sha256')
              .update(Buffer.from([0]))
              .update(entryBytes)
              .digest('hex');
            expect(decoded.entry.hash).toBe(leaf);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects any single changed byte, in both modes (property)', () => {
    const { line } = encodeEntry(
      {
        seq: 7,
        prev: GENESIS_PREV,
        time: '2026-05-03T10:00:00.000Z',
        type: 'test.one',
        body: { text: 'a "quoted" \\ value', list: [1, { x: null }] },
        files: [],
        signer: signer.did,
      },
      (message) => signer.sign(message),
    );
    const bytes = line.subarray(0, line.length - 1);
    // The signature value is the only part not covered by the hash (it signs the hash); a change
    // there decodes, and signature verification rejects it.
    const valueStart = bytes.indexOf('"value":"') + '"value":"'.length;
    const valueEnd = bytes.indexOf('"', valueStart);
    fc.assert(
      fc.property(
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (position, delta) => {
          const damaged = Buffer.from(bytes);
          damaged[position] = (damaged[position]! + delta) % 256;
          for (const parse of [true, false]) {
            const decoded = decodeEntryLine(Buffer.from(damaged), { parse });
            if (position >= valueStart && position < valueEnd) {
              if (decoded.ok) expect(verifyEntrySignature(decoded.entry)).toBe(false);
            } else {
              expect(decoded.ok).toBe(false);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts dotted lowercase record types only', () => {
    for (const type of [
      'approval.requested',
      'safe_mode.entered',
      'spend.recorded',
      'a.b.c',
      'x',
    ]) {
      expect(isRecordType(type)).toBe(true);
    }
    for (const type of ['Approval.requested', 'a..b', '.a', 'a.', 'a-b', '', 'a.1b']) {
      expect(isRecordType(type)).toBe(false);
    }
  });
});
