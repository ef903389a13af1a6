import { spawn } from 'node:child_process';

/**
 * What a notification says: enough to know a message waits, never its payload (the payload
 * stays in the group's inbox folder).
 */
export interface InboxNotice {
  /** The person's role. */
  readonly role: string;
  /** The message waiting (`msg_…`). */
  readonly message_id: string;
  /** The message type. */
  readonly type: string;
  /** A short title: the task's title, the escalation's condition … */
  readonly title: string;
  /** The run id the message was delivered under. */
  readonly run_id: string;
}

/** A notification channel of a human member (pluggable: a webhook and a command ship). */
export interface InboxNotifier {
  /** A short name for ledger records (`webhook`, `command`). */
  readonly name: string;
  /** Tells the person a message waits. Throws when the channel failed. */
  notify(notice: InboxNotice): Promise<void>;
}

/** Options of {@link createWebhookNotifier}. */
export interface WebhookNotifierOptions {
  /** The URL the notice is POSTed to as JSON. */
  readonly url: string;
  /** The limit of the request, in milliseconds. Default 10 000. */
  readonly timeoutMs?: number;
  /** The fetch implementation. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** A notifier that POSTs each {@link InboxNotice} as JSON to a URL (Slack, ntfy, a bot …). */
export function createWebhookNotifier(options: WebhookNotifierOptions): InboxNotifier {
  const { url, timeoutMs = 10_000, fetch: fetchImplementation = fetch } = options;
  return {
    name: 'webhook',
    async notify(notice) {
      const response = await fetchImplementation(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notice),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) throw new Error(`the webhook answered HTTP ${response.status}`);
    },
  };
}

/** Options of {@link createCommandNotifier}. */
export interface CommandNotifierOptions {
  /** The program to run (no shell). */
  readonly command: string;
  /** Its arguments. */
  readonly args?: readonly string[];
  /** The limit of the run, in milliseconds. Default 10 000. */
  readonly timeoutMs?: number;
}

/**
 * A notifier that runs a local program with the {@link InboxNotice} as JSON on standard input
 * (`notify-send`, a mail script …). No shell is involved; a non-zero exit is a failure.
 */
export function createCommandNotifier(options: CommandNotifierOptions): InboxNotifier {
  const { command, args = [], timeoutMs = 10_000 } = options;
  return {
    name: 'command',
    notify(notice) {
      return new Promise((resolve, reject) => {
        const child = spawn(command, [...args], {
          stdio: ['pipe', 'ignore', 'ignore'],
          timeout: timeoutMs,
          killSignal: 'SIGKILL',
        });
        child.on('error', reject);
        child.on('close', (code, signal) =>
          code === 0
            ? resolve()
            : reject(new Error(`${command} ended with ${signal ?? `exit code ${code}`}`)),
        );
        child.stdin.end(JSON.stringify(notice));
      });
    },
  };
}
