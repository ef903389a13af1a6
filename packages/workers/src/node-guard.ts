/**
 * The module a Node skill imports first (`--import`). It closes what Node 24's permission model
 * leaves open:
 *
 * - signals: `process.kill` can signal any process of the same user, so it (and the underlying
 *   `process._kill`) is replaced by one that refuses any process but the skill's own — without
 *   bubblewrap's PID namespace, this is what keeps a skill from killing its host;
 * - the network, when the sandbox has none: the permission model does not cover it, so without
 *   bubblewrap's empty network namespace this is what stops a connection. Every entry point
 *   that opens a socket or resolves a name (TCP, UDP, DNS; `fetch`, `http`, `tls` and `http2`
 *   all end in `net`) throws `ERR_ACCESS_DENIED`.
 *
 * The replacements are non-writable, non-configurable properties. The guard lives in the skill's
 * own process, so it is defence in depth, not a boundary: a native addon could go around it,
 * which is why the permission model's refusal of addons and child processes stays on.
 */
export function nodeGuardSource({ network }: { network: boolean }): string {
  return `${SIGNAL_GUARD}${network ? '' : NETWORK_GUARD}`;
}

const SIGNAL_GUARD = `
const ownPid = process.pid;
const originalKill = process.kill.bind(process);
const guardedKill = function kill(pid, signal) {
  if (Number(pid) !== ownPid) {
    const error = new Error('karnel sandbox: signalling process ' + pid + ' is denied');
    error.code = 'ERR_ACCESS_DENIED';
    throw error;
  }
  return originalKill(pid, signal);
};
Object.defineProperty(process, 'kill', { value: guardedKill, writable: false, configurable: false });
Object.defineProperty(process, '_kill', {
  value: function _kill() {
    const error = new Error('karnel sandbox: process._kill is denied');
    error.code = 'ERR_ACCESS_DENIED';
    throw error;
  },
  writable: false,
  configurable: false,
});
`;

const NETWORK_GUARD = `
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

const deny = (what) => function denied() {
  const error = new Error('karnel sandbox: ' + what + ' is denied: the skill has no network capability');
  error.code = 'ERR_ACCESS_DENIED';
  throw error;
};
const lock = (target, name, what) => {
  Object.defineProperty(target, name, { value: deny(what), writable: false, configurable: false });
};
lock(net.Socket.prototype, 'connect', 'opening a network connection');
lock(net.Server.prototype, 'listen', 'listening on a socket');
lock(net, 'connect', 'opening a network connection');
lock(net, 'createConnection', 'opening a network connection');
lock(dgram.Socket.prototype, 'bind', 'binding a UDP socket');
lock(dgram.Socket.prototype, 'send', 'sending a UDP datagram');
lock(dgram.Socket.prototype, 'connect', 'connecting a UDP socket');
for (const name of ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveNs', 'resolveTxt', 'resolveSrv', 'resolvePtr', 'resolveNaptr', 'resolveSoa', 'resolveCaa', 'reverse']) {
  if (typeof dns[name] === 'function') lock(dns, name, 'resolving a host name');
  if (typeof dns.promises[name] === 'function') lock(dns.promises, name, 'resolving a host name');
}
lock(dns.Resolver.prototype, 'resolve', 'resolving a host name');
`;
