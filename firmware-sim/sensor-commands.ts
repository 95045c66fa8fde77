/**
 * A PUBLISH on the sensor's command topic (`mosquitto_pub -t sensors/<id>/cmd -m 'interval=5'`):
 * parsed (commands.ts), counted and logged here; what each command does is the sensor's.
 */
import type { Logger } from '../src/observe/logger.js';
import { type Command, parseCommands } from './commands.js';
import type { GroupStats } from './stats.js';

export interface CommandTarget {
  readonly clientId: string;
  readonly stats: GroupStats;
  readonly logger: Logger;
  apply(command: Command): void;
}

/** Applies every command of `payload` in order; an unreadable payload changes nothing. */
export function applyCommandPayload(payload: Buffer, target: CommandTarget): void {
  const parsed = parseCommands(payload);
  if (!parsed.ok) {
    target.stats.counters.badCommands++;
    target.logger.warn(
      `${target.clientId}: command ${JSON.stringify(payload.toString())} ignored: ${parsed.error}`,
    );
    return;
  }
  for (const command of parsed.commands) {
    target.stats.counters.commands++;
    target.logger.info(
      `${target.clientId}: command ${command.kind} ${'seconds' in command ? command.seconds : ''}`,
    );
    target.apply(command);
  }
}
