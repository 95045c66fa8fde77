/**
 * A serial device that may not be there: opened with `serialport`, reopened with backoff when it
 * cannot be opened or disappears (USB unplugged, socat killed). Nothing here throws or crashes the
 * process; every failure is logged and the rest of the gateway keeps running (issue 5).
 */
import { SerialPort } from 'serialport';
import type { Logger } from '../../observe/logger.js';
import { readUntilHangUp } from './hang-up-read.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 10_000 };
/** Octets queued for writing beyond which sends are dropped instead of piling up in memory. */
const MAX_WRITE_BACKLOG = 64 * 1024;

export interface PortCounters {
  opens: number;
  openFailures: number;
  disconnects: number;
  writeErrors: number;
}

export interface ReopeningPortOptions {
  path: string;
  baudRate: number;
  /** For log lines, e.g. "serial /dev/ttyUSB0 xbee-api2". */
  name: string;
  backoff?: Backoff;
  logger: Logger;
  onData(chunk: Buffer): void;
  /** Called after every successful (re)open, so that a framing can forget half-read input. */
  onOpen?(): void;
}

export type WriteResult = 'written' | 'closed' | 'backlog';

export class ReopeningSerialPort {
  readonly counters: PortCounters = { opens: 0, openFailures: 0, disconnects: 0, writeErrors: 0 };
  private port: SerialPort | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private failuresInARow = 0;
  private stopped = false;
  private readonly backoff: Backoff;

  constructor(private readonly options: ReopeningPortOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.delayMs = this.backoff.initialMs;
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  /** Makes the first attempt; resolves when it has succeeded or failed (retries go on after). */
  start(): Promise<void> {
    this.stopped = false;
    return this.attemptOpen();
  }

  write(data: Buffer): WriteResult {
    const port = this.port;
    if (!port?.isOpen) return 'closed';
    if (port.writableLength > MAX_WRITE_BACKLOG) return 'backlog';
    port.write(data, (error) => {
      if (!error) return;
      this.counters.writeErrors++;
      this.options.logger.warn(`${this.options.name}: write failed: ${error.message}`);
    });
    return 'written';
  }

  /** Stops retrying and closes the device. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private attemptOpen(): Promise<void> {
    const { path, baudRate, logger, name } = this.options;
    return new Promise<void>((resolve) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false });
      // Without an 'error' listener a stream error would be thrown and crash the process.
      port.on('error', (error) => logger.warn(`${name}: ${error.message}`));
      port.open((error) => {
        if (this.stopped) {
          if (!error) port.close();
          resolve();
          return;
        }
        if (error) {
          this.onOpenFailed(error);
        } else {
          this.onOpened(port);
        }
        resolve();
      });
    });
  }

  private onOpened(port: SerialPort): void {
    const { logger, name } = this.options;
    this.port = port;
    this.counters.opens++;
    const again = this.counters.opens > 1 || this.failuresInARow > 0;
    logger.info(`${name}: ${again ? 'reopened' : 'opened'}`);
    this.failuresInARow = 0;
    this.delayMs = this.backoff.initialMs;
    readUntilHangUp(port); // before 'data' starts the first read
    port.on('data', (chunk: Buffer) => this.options.onData(chunk));
    port.on('close', (error?: Error | null) => this.onClosed(port, error ?? undefined));
    this.options.onOpen?.();
  }

  private onOpenFailed(error: Error): void {
    const { logger, name } = this.options;
    this.counters.openFailures++;
    this.failuresInARow++;
    const message = `${name}: cannot open: ${error.message}; retrying in ${this.delayMs / 1000} s`;
    // The first failure of a series is worth a warning; repeats are noise until the device returns.
    if (this.failuresInARow === 1) logger.warn(message);
    else logger.debug(message);
    this.scheduleRetry();
  }

  private onClosed(port: SerialPort, error: Error | undefined): void {
    if (this.port !== port) return; // closed by us
    this.port = undefined;
    this.counters.disconnects++;
    const reason = error ? error.message : 'closed';
    this.options.logger.warn(`${this.options.name}: device lost (${reason}); reopening`);
    if (!this.stopped) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.attemptOpen();
    }, delay);
  }
}
