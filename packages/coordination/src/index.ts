export { type CheckProtocolOptions, checkProtocol } from './check-protocol';
export {
  type Coordinator,
  type CoordinatorOptions,
  createCoordinator,
  type DispatchOptions,
  type EscalateOptions,
  type EscalationOutcome,
} from './coordinator';
export { type CreateEscalationMessageOptions, createEscalationMessage } from './create-escalation';
export {
  type CreateMessageOptions,
  createMessage,
  parseMessage,
  recipients,
  type SafeParseMessageFailure,
  type SafeParseMessageResult,
  type SafeParseMessageSuccess,
  safeParseMessage,
} from './create-message';
export { COORDINATION_DIAGNOSTIC_CODES, type CoordinationDiagnosticCode } from './diagnostic-codes';
export {
  type CreateDispatchTableOptions,
  createDispatchTable,
  type DispatchEdge,
  type DispatchTable,
} from './dispatch-table';
export { ArchiveIntegrityError, RoutingError } from './errors';
export {
  COST_OVERRUN_PREDICTED,
  type CostOverrunCondition,
  type CustomCondition,
  type ParsedCondition,
  parseCondition,
  type RejectionStreakCondition,
} from './escalation-condition';
export {
  type ConditionContext,
  type ConditionPredicate,
  type ConditionResult,
  type EscalationEvaluation,
  type EscalationTrigger,
  type EvaluateEscalationsOptions,
  evaluateEscalations,
  type UnevaluatedCondition,
} from './evaluate-escalations';
export {
  COORDINATION_JSON_SCHEMA_FILES,
  type CoordinationJsonSchema,
  exportCoordinationJsonSchemas,
} from './json-schemas';
export {
  COORDINATION_RECORD_TYPE,
  type CoordinationLedger,
  createLedgerArchive,
  type LedgerArchiveOptions,
  readArchivedMessages,
} from './ledger-archive';
export {
  type ArchiveReceipt,
  createMemoryArchive,
  isArchivedUnder,
  type MemoryArchiveOptions,
  type MessageArchive,
} from './message-archive';
export {
  approvalMessageSchema,
  approvalPayloadSchema,
  escalationMessageSchema,
  escalationPayloadSchema,
  infoMessageSchema,
  infoPayloadSchema,
  ledgerReferenceSchema,
  MESSAGE_TYPES,
  MESSAGE_VERSION,
  type Message,
  type MessageOf,
  type MessageRefs,
  type MessageType,
  type MessageTypeTag,
  messageRefsSchema,
  messageSchema,
  type PayloadInput,
  payloadSchemas,
  REVIEW_VERDICTS,
  type ReviewVerdict,
  resultMessageSchema,
  resultPayloadSchema,
  reviewMessageSchema,
  reviewPayloadSchema,
  taskMessageSchema,
  taskPayloadSchema,
} from './message-schema';
export { compareMoney, type Money, moneySchema } from './money';
export {
  ARCHIVAL_POLICIES,
  type ArchivalPolicy,
  COMMUNICATION_DEFAULTS,
  CONSENSUS_RULES,
  COORDINATION_TYPES,
  type Communication,
  type Consensus,
  type CoordinationType,
  type CustomSection,
  communicationSchema,
  consensusSchema,
  customSchema,
  DISPATCH_MODES,
  type DispatchMode,
  type DispatchRule,
  dispatchRuleSchema,
  EDGE_MESSAGE_TYPES,
  type EscalationPath,
  escalationPathSchema,
  type FlatSection,
  flatSchema,
  type HierarchicalSection,
  hierarchicalSchema,
  type NetworkEdge,
  type NetworkSection,
  networkEdgeSchema,
  networkSchema,
  type Protocol,
  type ProtocolInput,
  protocolSchema,
  type ReviewStep,
  reviewChainSchema,
  reviewStepSchema,
  roleNameSchema,
  TASK_CLAIMING_MODES,
} from './protocol-schema';
export { type ProtocolFile, type ReadProtocolFileOptions, readProtocolFile } from './read-protocol';
export {
  type ReviewChainResult,
  type ReviewContext,
  type ReviewDecision,
  type Reviewer,
  type ReviewStepResult,
  type ReviewStop,
  type RunReviewChainOptions,
  runReviewChain,
} from './review-chain';
export { type RoleReference, roleReferences } from './role-references';
export {
  type CreateRouterOptions,
  createRouter,
  type RouteAllowed,
  type RouteDecision,
  type RouteRefused,
  type Router,
} from './route-message';
export { type ConsensusTally, type TallyConsensusOptions, tallyConsensus } from './tally-consensus';
