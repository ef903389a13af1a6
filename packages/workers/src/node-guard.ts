/**
 * The module a Node skill imports first (`--import`) when its sandbox has no network. Node 24's
 * permission model does not cover the network, so without bubblewrap's empty network namespace
 * this guard is what stops a connection: it replaces every entry point that opens a socket or
 * resolves a name (TCP, UDP, DNS; `fetch`, `http`, `tls` and `http2` all end in `net`) with one
 * that throws `ERR_ACCESS_DENIED`, as non-writable, non-configurable properties.
 *
 * It is a guard inside the skill's own process, not a boundary: a native addon could bypass it,
 * which is why the permission model's refusal of addons and child processes stays on.
 */
export const NODE_NET_GUARD_SOURCE = `
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
