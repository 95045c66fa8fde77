/**
 * Works around a hang in @serialport/bindings-cpp 13's unix read: when the other side of a tty goes
 * away (a pty's master closed — socat killed — or some USB adapters unplugged) while a read is in
 * flight, read() returns 0 (end of file) and the binding simply reads again, for ever: the port
 * never closes, and a CPU spins on 0-byte reads. Seen on Linux with socat pty pairs.
 *
 * With serialport's settings (VMIN=1, VTIME=0, O_NONBLOCK) a tty read returns data or EAGAIN;
 * 0 means the line hung up. This read treats it so: the stream then closes the port with a
 * disconnect, and the transport reopens it with backoff.
 */
import { read } from 'node:fs';
import { promisify } from 'node:util';
import type { SerialPort } from 'serialport';

const readAsync = promisify(read);

type PortBinding = NonNullable<SerialPort['port']>;
type UnixPortBinding = Extract<PortBinding, { poller: unknown; fd: number | null }>;

function isUnix(binding: PortBinding): binding is UnixPortBinding {
  return 'poller' in binding && 'fd' in binding;
}

/** The stream ignores a read error marked `canceled` (the port is closing on purpose). */
function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

function readable(binding: UnixPortBinding): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    binding.poller.once('readable', (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

async function readOrHangUp(
  binding: UnixPortBinding,
  buffer: Buffer,
  offset: number,
  length: number,
): Promise<{ buffer: Buffer; bytesRead: number }> {
  for (;;) {
    const fd = binding.fd;
    if (!binding.isOpen || fd === null) throw canceled();
    let bytesRead: number;
    try {
      ({ bytesRead } = await readAsync(fd, buffer, offset, length, null));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw error;
      if (!binding.isOpen) throw canceled();
      await readable(binding);
      continue;
    }
    if (bytesRead > 0) return { buffer, bytesRead };
    throw Object.assign(new Error('line hung up (end of file)'), { disconnect: true });
  }
}

/** Installs the hang-up-aware read on an open port; call before anything reads from it. */
export function readUntilHangUp(port: SerialPort): void {
  const binding = port.port;
  if (!binding || !isUnix(binding)) return; // Windows reads differently and is not affected.
  binding.read = (buffer, offset, length) => readOrHangUp(binding, buffer, offset, length);
}
