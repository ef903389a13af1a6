import { describe, expect, it } from 'vitest';
import { createDispatchTable } from './dispatch-table';
import { protocolSchema } from './protocol-schema';

describe('createDispatchTable', () => {
  it('follows task_dispatch rules exactly in a hierarchy', () => {
    const protocol = protocolSchema.parse({
      coordination_type: 'hierarchical',
      hierarchical: {
        decision_authority: 'strategist',
        task_dispatch: [
          { source: 'strategist', targets: ['researcher', 'writer'] },
          { source: 'writer', targets: ['researcher'], mode: 'request' },
        ],
      },
    });
    const table = createDispatchTable(protocol);
    expect(table.targetsOf('strategist').map((edge) => [edge.target, edge.mode])).toEqual([
      ['researcher', 'directive'],
      ['writer', 'directive'],
    ]);
    expect(table.sourcesOf('researcher').map((edge) => edge.source)).toEqual([
      'strategist',
      'writer',
    ]);
    expect(table.find('researcher', 'strategist')).toBeUndefined();
  });

  it('lets every flat peer request work from every other peer, defaulting peers to all roles', () => {
    const protocol = protocolSchema.parse({ coordination_type: 'flat' });
    const table = createDispatchTable(protocol, { roles: ['a', 'b', 'c'] });
    expect(table.edges).toHaveLength(6);
    expect(
      table.edges.every((edge) => edge.mode === 'request' && edge.source !== edge.target),
    ).toBe(true);
    const limited = createDispatchTable(
      protocolSchema.parse({ coordination_type: 'flat', flat: { peers: ['a', 'b'] } }),
      {
        roles: ['a', 'b', 'c'],
      },
    );
    expect(limited.find('a', 'c')).toBeUndefined();
  });

  it('uses network edges that carry tasks, both ways when bidirectional', () => {
    const protocol = protocolSchema.parse({
      coordination_type: 'network',
      network: {
        edges: [
          { from: 'triager', to: ['reviewer'], bidirectional: true },
          { from: 'reviewer', to: ['release_manager'], types: ['info'] },
        ],
      },
    });
    const table = createDispatchTable(protocol);
    expect(table.edges.map((edge) => `${edge.source}->${edge.target}`)).toEqual([
      'triager->reviewer',
      'reviewer->triager',
    ]);
  });
});
