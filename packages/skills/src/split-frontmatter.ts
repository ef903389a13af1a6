import type { SkillsDiagnosticCode } from './skills-diagnostic-code';

/** A SKILL.md split into its YAML frontmatter and its Markdown body. */
export type SplitFrontmatter =
  | {
      /** The file has a well-formed frontmatter block. */
      readonly ok: true;
      /**
       * The frontmatter text, preceded by as many empty lines as the file has before it, so a
       * YAML parser reports the same line numbers as the file.
       */
      readonly yaml: string;
      /** The Markdown after the closing `---` line. */
      readonly body: string;
      /** The 1-based line where the body starts. */
      readonly bodyLine: number;
    }
  | {
      /** The frontmatter is missing or never closed. */
      readonly ok: false;
      /** `skill/missing-frontmatter` or `skill/unclosed-frontmatter`. */
      readonly code: Extract<
        SkillsDiagnosticCode,
        'skill/missing-frontmatter' | 'skill/unclosed-frontmatter'
      >;
      /** What is wrong. */
      readonly message: string;
      /** The 1-based line the problem is reported at. */
      readonly line: number;
    };

/**
 * Splits a SKILL.md into frontmatter and body. The file must open with a `---` line (a byte
 * order mark before it is tolerated) and the frontmatter ends at the next `---` or `...` line.
 */
export function splitFrontmatter(text: string): SplitFrontmatter {
  const content = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = content.split('\n');
  const strip = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
  if (strip(lines[0] ?? '').trimEnd() !== '---') {
    return {
      ok: false,
      code: 'skill/missing-frontmatter',
      message:
        'SKILL.md must start with a "---" line opening the YAML frontmatter (name, description)',
      line: 1,
    };
  }
  for (let index = 1; index < lines.length; index++) {
    const line = strip(lines[index]!).trimEnd();
    if (line === '---' || line === '...') {
      // Line 1 is the opening "---": one leading newline keeps the YAML's line numbers equal to
      // the file's.
      const yaml = `\n${lines.slice(1, index).map(strip).join('\n')}`;
      const body = lines.slice(index + 1).join('\n');
      return { ok: true, yaml, body, bodyLine: index + 2 };
    }
  }
  return {
    ok: false,
    code: 'skill/unclosed-frontmatter',
    message: 'the frontmatter opened on line 1 is never closed by a "---" line',
    line: 1,
  };
}
