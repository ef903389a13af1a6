import { type Diagnostic, readYamlFile, type SourceDocument, validateDocument } from '@karnel/core';
import { type Protocol, protocolSchema } from './protocol-schema';

/** Options of {@link readProtocolFile}. */
export interface ReadProtocolFileOptions {
  /** The path shown in diagnostics. Default: `path` as given. */
  displayPath?: string;
  /**
   * The folder the file must really be inside (its group's root): a file that a symbolic link
   * leads out of it is not read, it is the error `file/outside-root`. Default: none.
   */
  root?: string;
}

/** The result of reading a protocol file. */
export interface ProtocolFile {
  /** The protocol, when the file has no errors (warnings allow a value). */
  readonly protocol: Protocol | undefined;
  /** The parsed document, for positioning later cross-file diagnostics. */
  readonly document: SourceDocument;
  /** Every problem found while reading, parsing and validating the file. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Reads and validates `coordination/protocol.yaml`. Never throws for a mistake in the file: a
 * missing file, bad YAML, an unknown field or a wrong value becomes a positioned diagnostic.
 * Cross-file checks against the group's roles are {@link checkProtocol}'s job.
 */
export async function readProtocolFile(
  path: string,
  { displayPath = path, root }: ReadProtocolFileOptions = {},
): Promise<ProtocolFile> {
  const document = await readYamlFile(path, {
    displayPath,
    ...(root === undefined ? {} : { root }),
  });
  const { value, diagnostics } = validateDocument(protocolSchema, document);
  return { protocol: value, document, diagnostics };
}
