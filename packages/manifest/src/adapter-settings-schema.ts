import { amountPattern, COST_DECIMALS, CURRENCY_CODE_PATTERN, identitySchema } from '@karnel/core';
import { z } from 'zod';
import { singleLineText } from './common-schemas';

// Shapes of credentials that must never sit in a group directory: private keys, the prefixes of
// well-known API tokens, JSON Web Tokens.
const SECRET_SHAPES: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}/,
  /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/,
  /\bgh[pousr]_[A-Za-z0-9]{30,}/,
  /\bgithub_pat_[A-Za-z0-9_]{30,}/,
  /\bglpat-[A-Za-z0-9_-]{20,}/,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\bAIza[0-9A-Za-z_-]{35}\b/,
  /\bhf_[A-Za-z0-9]{30,}/,
  /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/,
];

const SECRET_QUERY_NAMES =
  /^(?:token|access_token|api[_-]?key|key|secret|client_secret|password|passwd|sig|signature)$/i;

/**
 * Why `text` looks like a secret — a private key, a known API-token shape, a JWT, or a URL that
 * carries a password or a token parameter — or `undefined` when it does not. A group directory is
 * shared and versioned, so such a value in it is an error: keys are given by reference.
 */
export function secretLikeReason(text: string): string | undefined {
  if (SECRET_SHAPES.some((shape) => shape.test(text))) return 'it looks like a key or an API token';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && URL.canParse(text)) {
    const url = new URL(text);
    if (url.password) return 'the URL carries a password';
    for (const name of url.searchParams.keys())
      if (SECRET_QUERY_NAMES.test(name)) return `the URL carries a "${name}" parameter`;
  }
  return undefined;
}

/**
 * Reports every string under `value` that looks like a secret ({@link secretLikeReason}) as an
 * `adapter/secret-value` issue at its own path, so the diagnostic names its line and column.
 */
export function refuseSecretLikeValues(
  value: unknown,
  context: z.RefinementCtx,
  path: (string | number)[] = [],
): void {
  if (typeof value === 'string') {
    const reason = secretLikeReason(value);
    if (reason)
      context.addIssue({
        code: 'custom',
        path,
        message: `this value must not be in the group directory: ${reason}. Keep the secret on the machine and reference it ("env:NAME" or "file:/absolute/path")`,
        params: { diagnosticCode: 'adapter/secret-value' },
      });
  } else if (Array.isArray(value))
    value.forEach((item, index) => {
      refuseSecretLikeValues(item, context, [...path, index]);
    });
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value))
      refuseSecretLikeValues(item, context, [...path, key]);
}

const REFERENCE_PATTERN = /^(?:env:[A-Za-z_][A-Za-z0-9_]*|file:\/[^\0]*)$/;

/**
 * A reference to a secret kept on the machine that runs the adapter, never the secret itself:
 * `env:NAME` (an environment variable) or `file:/absolute/path` (a key file outside the group).
 */
export const secretReferenceSchema = z
  .string()
  .refine((value) => REFERENCE_PATTERN.test(value), {
    message:
      'a key is given by reference ("env:NAME" or "file:/absolute/path"), never as the secret itself: the group directory is shared and versioned',
    params: { diagnosticCode: 'adapter/secret-value' },
  })
  .meta({
    description:
      'A reference to a secret on the machine running the adapter: "env:NAME" or "file:/absolute/path". Never the secret itself.',
    pattern: REFERENCE_PATTERN.source,
    examples: ['env:HERMES_API_KEY'],
  });

/** The keys of a foreign member, by reference (Annex B, section 8). */
export const adapterAuthSchema = z
  .strictObject({
    /** http: the HMAC-SHA256 key the request body is signed with. */
    signing_key: secretReferenceSchema.optional().meta({
      description:
        'http: the reference of the HMAC-SHA256 key that signs each request ("env:NAME" or "file:/path").',
    }),
    /** hermes: the Hermes API server's `API_SERVER_KEY`. */
    api_key: secretReferenceSchema.optional().meta({
      description:
        'hermes: the reference of the API server\'s API_SERVER_KEY, sent as "Authorization: Bearer".',
    }),
  })
  .meta({ description: 'Keys, by reference only: never a secret in the group directory.' });

/** Time limits of an adapter. */
export const adapterTimeoutsSchema = z
  .strictObject({
    /** One request (`http`, `hermes`) or one process run (`subprocess`, the Hermes command line). */
    attempt_ms: z
      .number()
      .int('must be a whole number of milliseconds')
      .min(1, 'must be at least 1')
      .max(86_400_000, 'must be at most a day (86400000)')
      .optional()
      .meta({
        description:
          'The limit of one request (http, hermes server) or one process run (subprocess, hermes command line), in milliseconds.',
      }),
  })
  .meta({ description: 'Time limits of the adapter.' });

/** An amount of money, exact: a decimal string and a currency code. */
export const adapterMoneySchema = z
  .strictObject({
    /** A non-negative decimal string, at most 12 decimals. */
    amount: z
      .string()
      .regex(
        amountPattern(COST_DECIMALS),
        'an amount is a non-negative decimal string with at most 12 decimals, such as "0.042"',
      )
      .meta({ description: 'A non-negative decimal string, e.g. "0.042".' }),
    /** An upper-case currency or credit code. */
    currency: z
      .string()
      .regex(CURRENCY_CODE_PATTERN, 'a currency is an upper-case code such as "USD" or "USDC"')
      .meta({ description: 'An upper-case currency code, e.g. "USD".' }),
  })
  .meta({ description: 'Exact money: {amount: "0.03", currency: "USD"}.' });

/** How the Hermes adapter reaches Hermes beyond its endpoint. */
export const hermesSettingsSchema = z
  .strictObject({
    /** The Hermes session the member's work continues in. */
    session: singleLineText()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .optional()
      .meta({
        description:
          'The Hermes session the work continues in (an id or a title), so its memory carries over.',
      }),
    /** The command-line executable, used when no endpoint is given. */
    command: z
      .string()
      .regex(
        /^hermes[A-Za-z0-9._-]{0,58}$/,
        'a Hermes executable name looked up on PATH ("hermes", "hermes-dev" …), without a path or arguments',
      )
      .optional()
      .meta({
        description:
          'The Hermes executable run when no endpoint is given (default "hermes"), a name starting with "hermes" looked up on PATH; the machine may replace it.',
      }),
  })
  .meta({
    description:
      'hermes: with an endpoint the API server is used; without one, the command line (hermes chat -q … -Q --resume <session>).',
  });

/** One way of telling a person a message waits in their inbox. */
export const notificationChannelSchema = z
  .discriminatedUnion('type', [
    z
      .strictObject({
        /** POST a notice (role, message id, type, title — never the payload). */
        type: z.literal('webhook').meta({ description: 'A POST of the notice as JSON.' }),
        /** Where the notice is POSTed. */
        url: z
          .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
          .meta({ description: 'The URL the notice is POSTed to as JSON.' }),
      })
      .meta({ title: 'Webhook notification' }),
    z
      .strictObject({
        /** Run a local program with the notice on standard input. */
        type: z
          .literal('command')
          .meta({ description: 'A local program given the notice on standard input.' }),
        /** The program, no shell. */
        command: singleLineText()
          .min(1, 'must not be empty')
          .meta({ description: 'The program to run (no shell), given the notice on stdin.' }),
        /** Its arguments. */
        args: z
          .array(singleLineText())
          .optional()
          .meta({ description: 'The arguments of the program.' }),
      })
      .meta({ title: 'Command notification' }),
  ])
  .meta({ description: 'A notification channel: a webhook POST or a local command.' });

/** A person's identity, whose signature a reply must carry. */
export const replyKeySchema = identitySchema.meta({
  description:
    'human: the person\'s key ("did:key:z6Mk…"); when given, inbox replies must be signed with it.',
});
