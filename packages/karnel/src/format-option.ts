import { Option } from 'commander';

/**
 * The `-f, --format <format>` option with its allowed values checked by commander (an unknown
 * value is a usage error, exit 2) and `text` as the default. Every command that prints in more
 * than one format declares it with this helper, so the values and messages are the same
 * everywhere.
 *
 * @param formats - The allowed values, `text` first.
 * @param description - What the option does; the allowed values are appended by commander.
 */
export function formatOption<const Format extends string>(
  formats: readonly [Format, ...Format[]],
  description = 'output format',
): Option {
  return new Option('-f, --format <format>', description).choices(formats).default(formats[0]);
}
