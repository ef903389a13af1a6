import { join, relative } from 'node:path';
import { checkProtocol, readProtocolFile } from '@karnel/coordination';
import type { Diagnostic } from '@karnel/core';
import type { DirectoryCheck } from './directory-check';

/**
 * Checks a group's coordination protocol: the file itself (schema, values, the section that
 * matches `coordination_type`), then every role it names against the group's members — review
 * chain actors, dispatch sources and targets, decision authority, peers, voters, network edges
 * and escalation targets — each mistake at its line and column.
 */
export const coordinationCheck: DirectoryCheck = async (target) => {
  if (target.kind !== 'group' || target.coordinationRef === undefined) return [];
  const displayPath = join(target.display, relative(target.dir, target.coordinationRef));
  const file = await readProtocolFile(target.coordinationRef, { displayPath });
  const diagnostics: Diagnostic[] = [...file.diagnostics];
  if (file.protocol) {
    diagnostics.push(
      ...checkProtocol(file.protocol, { roles: target.roles, document: file.document }),
    );
  }
  return diagnostics;
};
