import { join } from 'node:path';
import { type CommittedEntry, createSha256, openInside } from '@karnel/core';
import { readLedgerEntries } from '@karnel/ledger';
import { safeParseMessage } from './create-message';
import { ArchiveIntegrityError } from './errors';
import type { MessageArchive } from './message-archive';
import type { Message } from './message-schema';

/** The ledger record type `appendCoordination` writes, one per line of the coordination log. */
export const COORDINATION_RECORD_TYPE = 'coordination.logged';

/**
 * What {@link createLedgerArchive} needs of a ledger: the part of `@karnel/ledger`'s `Ledger`
 * that appends to and reads the coordination log.
 */
export interface CoordinationLedger {
  /** The ledger folder. */
  readonly dir: string;
  /** Appends one event to `coordination_log.jsonl`, committed by a chained entry. */
  appendCoordination(event: Record<string, unknown>): Promise<Pick<CommittedEntry, 'seq' | 'hash'>>;
}

/** Options of {@link createLedgerArchive}. */
export interface LedgerArchiveOptions {
  /** The group ledger, opened with `openLedger(dir)` from `@karnel/ledger`. */
  ledger: CoordinationLedger;
}

/**
 * Creates a {@link MessageArchive} on a group ledger: each message becomes one line of the
 * ledger's `coordination_log.jsonl`, committed by a hash-chained `coordination.logged` entry
 * whose body names the message type. The receipt's `entry` is the entry hash
 * (`sha256:<hex>`), which other messages can cite in `refs.ledger`.
 */
export function createLedgerArchive({ ledger }: LedgerArchiveOptions): MessageArchive {
  return {
    specificationVersion: 'v1',
    async archive(message) {
      const entry = await ledger.appendCoordination(message as unknown as Record<string, unknown>);
      return { archived: true, entry: `sha256:${entry.hash}` };
    },
    messages: () => readArchivedMessages(ledger.dir),
  };
}

/**
 * Reads the messages archived in the ledger folder `dir`, oldest first, without opening the
 * ledger for writing. Each message is read from the bytes its entry committed, and those bytes
 * are checked against the entry's digest. Coordination events that are not Annex C messages
 * are skipped.
 *
 * @throws ArchiveIntegrityError when a committed line's bytes no longer match their digest,
 * or a line that claims to be a message does not conform to Annex C.
 * @throws LedgerIntegrityError (from `@karnel/ledger`) when the chain itself is broken.
 */
export async function readArchivedMessages(dir: string): Promise<Message[]> {
  const messages: Message[] = [];
  const readers = new Map<string, WindowReader>();
  try {
    for await (const entry of readLedgerEntries(dir, { type: COORDINATION_RECORD_TYPE })) {
      for (const digest of entry.files) {
        let reader = readers.get(digest.path);
        if (!reader) {
          try {
            reader = await openWindowReader(dir, join(dir, ...digest.path.split('/')));
          } catch (error) {
            throw new ArchiveIntegrityError({
              dir,
              seq: entry.seq,
              reason: `${digest.path}, committed by entry ${entry.seq}, cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
            });
          }
          readers.set(digest.path, reader);
        }
        const bytes = await reader.read(digest.offset, digest.size);
        const actual = createSha256().update(bytes).digestHex();
        if (bytes.length !== digest.size || actual !== digest.sha256) {
          throw new ArchiveIntegrityError({
            dir,
            seq: entry.seq,
            reason: `${digest.path} bytes ${digest.offset}..${digest.offset + digest.size} no longer match the digest of entry ${entry.seq}`,
          });
        }
        const value: unknown = JSON.parse(bytes.toString('utf8'));
        if (typeof value !== 'object' || value === null || !('karnel_message_version' in value))
          continue;
        const parsed = safeParseMessage(value);
        if (!parsed.ok) {
          throw new ArchiveIntegrityError({
            dir,
            seq: entry.seq,
            reason: `the message committed by entry ${entry.seq} does not conform to Annex C: ${parsed.message}`,
          });
        }
        messages.push(parsed.value);
      }
    }
  } finally {
    for (const reader of readers.values()) await reader.close();
  }
  return messages;
}

/** Reads byte ranges of a file through a sliding window, so consecutive lines cost one read. */
interface WindowReader {
  read(offset: number, size: number): Promise<Buffer>;
  close(): Promise<void>;
}

const WINDOW_BYTES = 1024 * 1024;

async function openWindowReader(root: string, path: string): Promise<WindowReader> {
  // Inside the ledger folder only: a log file a symlink leads elsewhere is refused unread.
  const handle = await openInside(root, path);
  let window = Buffer.alloc(0);
  let windowStart = 0;
  return {
    async read(offset, size) {
      if (offset < windowStart || offset + size > windowStart + window.length) {
        const buffer = Buffer.alloc(Math.max(WINDOW_BYTES, size));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        window = buffer.subarray(0, bytesRead);
        windowStart = offset;
      }
      return window.subarray(
        offset - windowStart,
        Math.min(offset - windowStart + size, window.length),
      );
    },
    close: () => handle.close(),
  };
}
