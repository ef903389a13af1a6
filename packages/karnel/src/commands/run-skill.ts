import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { escapeTerminalText, hasErrors, readPrivateKeyFile } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import {
  capabilityCovers,
  createPolicy,
  type PolicyRule,
  parseCapability,
  validatePolicyFile,
} from '@karnel/policy';
import { loadSkill } from '@karnel/skills';
import { createWorkerPool, globBase, type IsolationMode, type WorkerResult } from '@karnel/workers';
import { ExitCode } from '../exit-codes';
import { printDiagnostics } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

interface RunSkillOptions {
  input?: string;
  inputFile?: string;
  grant: string[];
  policy?: string;
  actor?: string;
  ledger?: string;
  key?: string;
  isolation: string;
  format: string;
  probe?: boolean;
}

const isolationModes: readonly IsolationMode[] = ['auto', 'bubblewrap', 'process'];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Turns a `--grant` into allow rules, with relative `fs.*` paths made absolute against the
 * current folder (policy compares absolute paths), and into the path the run may touch.
 *
 * A path without glob characters means that path and, when it is a folder, everything below it:
 * the sandbox asks for a folder scope as `fs.read:/dir/**`, so `--grant fs.read:/dir` allows
 * both `/dir` and `/dir/**` (for a file, the second rule matches nothing).
 */
function parseGrant(
  text: string,
  cwd: string,
): { text: string; rules: PolicyRule[]; read?: string; write?: string } {
  const parsed = parseCapability(text);
  if (!parsed.ok) throw new UsageError(`--grant ${text}: ${parsed.reason}`);
  const { name, scope } = parsed.value;
  if ((name === 'fs.read' || name === 'fs.write') && scope !== undefined) {
    const absolute = isAbsolute(scope) ? scope : resolve(cwd, scope);
    const base = resolve(cwd, globBase(scope));
    const rules: PolicyRule[] = [{ effect: 'allow', capability: `${name}:${absolute}` }];
    if (base === absolute) {
      const below = absolute === '/' ? '/**' : `${absolute}/**`;
      rules.push({ effect: 'allow', capability: `${name}:${below}` });
    }
    return name === 'fs.read' ? { text, rules, read: base } : { text, rules, write: base };
  }
  return { text, rules: [{ effect: 'allow', capability: text }] };
}

/**
 * For a run refused by policy: the one-line hint naming the `--grant`s of the same capability
 * that did not cover what the run asked for, so that a near miss is not a mystery.
 */
function grantMismatchHint(
  result: WorkerResult,
  grants: readonly { text: string; rules: readonly PolicyRule[] }[],
): string | undefined {
  if (result.killedBy !== 'policy') return undefined;
  const denied = result.checks.find((check) => check.effect !== 'allow');
  if (!denied) return undefined;
  const name = denied.capability.split(':')[0];
  const near = grants.filter(
    (grant) =>
      grant.text.split(':')[0] === name &&
      !grant.rules.some((rule) => capabilityCovers(rule.capability, denied.capability)),
  );
  if (near.length === 0) return undefined;
  return `karnel: ${near.map((grant) => `--grant ${grant.text}`).join(', ')} does not cover ${denied.capability}, which the run needs; grant that path (a folder grant covers everything below it)`;
}

function printResult(
  result: WorkerResult,
  format: string,
  output: { out(text: string): void; err(text: string): void },
  hint: string | undefined,
) {
  // A run without a security boundary says so every time, whatever the format.
  if (result.unprotected) output.err(`karnel: warning: ${result.unprotected}`);
  if (format === 'json') {
    output.out(JSON.stringify(result, null, 2));
    return;
  }
  if (result.output !== '') output.out(escapeTerminalText(result.output, { multiline: true }));
  if (!result.ok) {
    const stderr = result.stderr.trim();
    if (stderr) output.err(escapeTerminalText(stderr, { multiline: true }));
    if (result.reason && !stderr.includes(result.reason))
      output.err(`karnel: ${escapeTerminalText(result.reason)}`);
    if (!result.reason && result.exitCode !== null)
      output.err(`karnel: the skill exited with code ${result.exitCode}`);
    if (hint) output.err(escapeTerminalText(hint));
  }
}

/**
 * Registers `karnel run-skill <skill-dir>`: runs one skill on the worker of its runtime, with
 * the sandbox it declares, and the grants given on the command line or in a policy file.
 * (`karnel skills` manages skills; this command executes them, so it is a command of its own.)
 */
export const registerRunSkillCommand: RegisterCommand = (program, context) => {
  program
    .command('run-skill')
    .description(
      "Run a skill's code (native, node, python or wasm) in its declared sandbox. Capabilities are denied unless granted with --grant or --policy. Prints the skill's output; exits 1 when the skill fails, is killed or is refused.",
    )
    .argument(
      '[skill-dir]',
      'the skill folder (SKILL.md and karnel.yaml with an execution section)',
    )
    .option('-i, --input <text>', 'the input, passed on standard input (default: empty)')
    .option('--input-file <path>', 'read the input from a file (read by karnel, not by the skill)')
    .option(
      '-g, --grant <capability>',
      'allow a capability for this run, e.g. fs.read:data/**, net:api.example.com, secrets.read:TOKEN; fs grants also expose the path (repeatable)',
      collect,
      [],
    )
    .option('--policy <file>', 'a policy.yaml whose rules decide the capability checks')
    .option(
      '--actor <name>',
      'who runs the skill, as policy rules name actors (default skill:<name>)',
    )
    .option('--ledger <dir>', 'record the capability checks and the result in this ledger')
    .option('--key <file>', "the worker's private key file; signs the ledger records")
    .option(
      '--isolation <mode>',
      'auto or bubblewrap (bubblewrap plus a seccomp filter; node and python skills are refused where bubblewrap cannot run), or process (an explicit opt-in to run node and python skills without a security boundary; every run warns)',
      'auto',
    )
    .option('-f, --format <format>', 'text (the skill output) or json (the whole result)', 'text')
    .option('--probe', 'print what this machine can enforce for each runtime, and exit')
    .action(async (skillDir: string | undefined, options: RunSkillOptions) => {
      if (!isolationModes.includes(options.isolation as IsolationMode)) {
        throw new UsageError(
          `unknown isolation "${options.isolation}"; expected one of ${isolationModes.join(', ')}`,
        );
      }
      if (options.format !== 'text' && options.format !== 'json') {
        throw new UsageError(`unknown format "${options.format}"; expected text or json`);
      }
      const pool = createWorkerPool({ isolation: options.isolation as IsolationMode });
      if (options.probe) {
        const probes = await pool.probe();
        if (options.format === 'json') context.output.out(JSON.stringify(probes, null, 2));
        else {
          for (const probe of probes) {
            context.output.out(
              `${probe.runtime.padEnd(7)} ${probe.available ? 'available' : 'unavailable'}  layers: ${probe.layers.join(', ')}`,
            );
            for (const note of probe.notes)
              context.output.out(`        note: ${escapeTerminalText(note)}`);
          }
        }
        return;
      }
      if (!skillDir) throw new UsageError('missing the skill folder (or pass --probe)');
      if (options.input !== undefined && options.inputFile !== undefined) {
        throw new UsageError('give either --input or --input-file, not both');
      }
      const cwd = process.cwd();
      const { skill, diagnostics } = await loadSkill(resolve(skillDir), { displayPath: skillDir });
      if (!skill || hasErrors(diagnostics)) {
        printDiagnostics(context.output, diagnostics, 'text');
        context.setExitCode(ExitCode.failure);
        return;
      }
      if (!skill.execution) {
        context.output.err(
          `error: ${skillDir} has no execution section in karnel.yaml, so it has no code to run`,
        );
        context.setExitCode(ExitCode.failure);
        return;
      }
      const grants = options.grant.map((text) => parseGrant(text, cwd));
      let rules: PolicyRule[] = grants.flatMap((grant) => grant.rules);
      let root = cwd;
      if (options.policy) {
        const validation = await validatePolicyFile(options.policy);
        if (hasErrors([...validation.diagnostics])) {
          printDiagnostics(context.output, [...validation.diagnostics], 'text');
          context.setExitCode(ExitCode.failure);
          return;
        }
        rules = [...validation.rules, ...rules];
        root = dirname(resolve(options.policy));
      }
      const input =
        options.inputFile !== undefined
          ? new Uint8Array(await readFile(options.inputFile))
          : (options.input ?? '');
      const signer = options.key ? await readPrivateKeyFile(options.key) : undefined;
      const ledger = options.ledger ? await openLedger(resolve(options.ledger)) : undefined;
      try {
        const result = await pool.run(skill, input, {
          policy: createPolicy({ rules, root }),
          ...(options.actor ? { actor: options.actor } : {}),
          ...(ledger ? { ledger } : {}),
          ...(signer ? { signer } : {}),
          cwd,
          filesystem: {
            read: grants.flatMap((grant) => (grant.read ? [grant.read] : [])),
            write: grants.flatMap((grant) => (grant.write ? [grant.write] : [])),
          },
        });
        printResult(result, options.format, context.output, grantMismatchHint(result, grants));
        context.setExitCode(result.ok ? ExitCode.ok : ExitCode.failure);
      } finally {
        await ledger?.close();
      }
    });
};
