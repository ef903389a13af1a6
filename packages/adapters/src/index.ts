export {
  ADAPTER_TYPES,
  type AdapterCheck,
  type AdapterCheckReport,
  type AdapterOutcome,
  type AdapterType,
  type CheckLevel,
  type CostBasis,
  type CostEstimate,
  checkReport,
  type ForeignAgentAdapter,
  type InvokeOptions,
  type OutcomeStatus,
} from './adapter';
export {
  ADAPTER_RECORD_TYPES,
  type AdapterRecorder,
  type AdapterRecordType,
  createAdapterRecorder,
} from './adapter-records';
export {
  type AdapterDefinition,
  defineAdapter,
  type PerformAnswer,
  type PerformContext,
} from './define-adapter';
export { AdapterError, type AdapterErrorCode } from './errors';
export { type FetchWithRetryOptions, fetchWithRetry } from './fetch-with-retry';
export {
  acceptedAnswerSchema,
  describeZodError,
  type ForeignOutcome,
  foreignOutcomeSchema,
} from './foreign-outcome-schema';
export {
  type ApprovalQueuePort,
  createHermesAdapter,
  type HermesAdapterOptions,
  hermesApprovalCapability,
  renderHermesInput,
} from './hermes-adapter';
export {
  HERMES_CLI_MAX_PROMPT_BYTES,
  type HermesCliOptions,
  hermesCliArguments,
  parseHermesQuietOutput,
} from './hermes-cli';
export {
  createHttpAdapter,
  type HttpAdapterOptions,
  SIGNATURE_HEADER,
  signHttpBody,
  TIMESTAMP_HEADER,
} from './http-adapter';
export { createHumanAdapter, type HumanAdapterOptions } from './human-adapter';
export {
  type Inbox,
  InboxError,
  type InboxErrorCode,
  type InboxItem,
  type InboxReply,
  type NewInboxReply,
  openInbox,
  REPLY_STATUSES,
  type ReplyStatus,
  verifyInboxReply,
} from './inbox';
export {
  type CommandNotifierOptions,
  createCommandNotifier,
  createWebhookNotifier,
  type InboxNotice,
  type InboxNotifier,
  type WebhookNotifierOptions,
} from './inbox-notifier';
export {
  type LoadedMemberAdapter,
  loadMemberAdapter,
  type MachineAdapterSettings,
} from './load-member-adapter';
export { parseRetryAfter, type RetrySettings, retryDelay, sleep } from './retry';
export { resolveSecretReference } from './secret-reference';
export { readServerSentEvents, type ServerSentEvent } from './server-sent-events';
export {
  createSubprocessAdapter,
  parseMemberCommand,
  type SubprocessAdapterOptions,
} from './subprocess-adapter';
