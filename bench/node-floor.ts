/**
 * Calibration for the idle-conns scenario: the least a Node.js MQTT server can do per connection —
 * accept, answer the first bytes with CONNACK "accepted", hold the socket. Its RSS per connection is
 * the floor any broker written in Node starts from:
 *   npm run bench -- --scenario idle-conns --target ours --ours-cmd 'node dist/bench/node-floor.js {port}'
 * It speaks no other packet, so the other scenarios fail against it.
 */
import net from 'node:net';

const CONNACK_ACCEPTED = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  process.stderr.write('usage: node dist/bench/node-floor.js <port>\n');
  process.exit(2);
}

net
  .createServer({ noDelay: true }, (socket) => {
    socket.once('data', () => socket.write(CONNACK_ACCEPTED));
    socket.on('error', () => socket.destroy());
  })
  .listen(port, '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
