import type { Diagnostic } from '@karnel/core';
import type { DiagnosticListener } from './memory-driver';

/**
 * `listener`, or the default one: a Node.js process warning per diagnostic
 * (`file:line:column: severity code: message`, warning code `KARNEL_MEMORY_DAMAGE`), so that
 * damage a store skipped is never silent.
 */
export function diagnosticListener(listener: DiagnosticListener | undefined): DiagnosticListener {
  if (listener) return listener;
  return (diagnostic: Diagnostic) => {
    process.emitWarning(
      `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`,
      { code: 'KARNEL_MEMORY_DAMAGE' },
    );
  };
}
