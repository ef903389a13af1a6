import { createFileMemory } from './file-memory';
import { createLanceMemory } from './lancedb/lance-memory';
import { createSqliteMemory } from './sqlite-memory';
import { describeMemoryStoreConformance } from './testing/memory-store-conformance';

describeMemoryStoreConformance('files', createFileMemory);
describeMemoryStoreConformance('sqlite', createSqliteMemory);
describeMemoryStoreConformance('lancedb', createLanceMemory);
