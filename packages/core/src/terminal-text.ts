/**
 * Options for {@link escapeTerminalText}.
 */
export interface EscapeTerminalTextOptions {
  /**
   * Keep line feeds (`\n`) as they are, for multi-line text such as a skill's body.
   * Off by default: a line feed inside a single-line field can forge a line of output that
   * looks like the program's own.
   * @defaultValue false
   */
  readonly multiline?: boolean;
}

// C0 controls, DEL, C1 controls (0x80–0x9f: 0x9b is a one-byte CSI on many terminals), and the
// Unicode bidirectional overrides and isolates, which reorder what a reader sees ("Trojan
// Source"). Line separators U+2028/U+2029 are included because some terminals break on them.
const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const unsafeExceptNewline =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeCharacter(character: string): string {
  switch (character) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = character.charCodeAt(0);
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
}

/**
 * Makes untrusted text safe to print to a terminal: every control character (escape
 * sequences, carriage returns, backspaces, bells, C1 controls) and every bidirectional
 * override is replaced by a visible escape such as `\x1b` or `\u202e`, so text from an agent,
 * a file or a request can neither move the cursor, rewrite earlier lines, change colours nor
 * reorder what the reader sees. Printable text, including non-ASCII letters, is unchanged.
 *
 * Every command-line output of text that Karnel did not write itself goes through this one
 * function.
 *
 * @example
 * ```ts
 * escapeTerminalText('ok\u001b[2K\rforged'); // 'ok\\x1b[2K\\rforged'
 * ```
 */
export function escapeTerminalText(text: string, options: EscapeTerminalTextOptions = {}): string {
  const pattern = options.multiline ? unsafeExceptNewline : unsafe;
  pattern.lastIndex = 0;
  return pattern.test(text) ? text.replace(pattern, escapeCharacter) : text;
}
