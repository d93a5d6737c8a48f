/**
 * Preloaded into every process the benchmark starts (`node --import ./bench/lib/loopback-guard.mjs`):
 * any TCP connection to a host that is not loopback fails (socket error) instead of leaving the machine. Plain
 * JavaScript so it can be preloaded into the compiled gateway (`node dist/server.js`) without tsx.
 */
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

function targetOf(args) {
  let first = args[0];
  // Node calls connect() internally with its "normalized args" array: [options, callback].
  if (Array.isArray(first)) first = first[0];
  if (first !== null && typeof first === 'object') {
    if (typeof first.path === 'string') return null; // unix socket / named pipe: local by definition
    return first.host ?? 'localhost';
  }
  if (typeof first === 'string' && Number.isNaN(Number(first))) return null; // a path
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const host = targetOf(args);
  if (host !== null && !LOOPBACK.test(String(host).replace(/^\[|\]$/g, ''))) {
    const error = new Error(`benchmark loopback guard: refusing a connection to non-loopback host ${host}`);
    process.stderr.write(`${error.message}\n`);
    // Fail this socket (its user sees an 'error'), before any DNS lookup or packet.
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return original.apply(this, args);
};
