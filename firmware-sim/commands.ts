/**
 * Commands a sensor accepts on its command topic `sensors/<id>/cmd`, as a user would type them:
 *   mosquitto_pub -t sensors/sensor-1/cmd -m 'interval=5'
 *   mosquitto_pub -t sensors/sensor-1/cmd -m 'sleep=30 interval=60'
 * Several `key=value` pairs may be separated by spaces, commas or semicolons.
 * - interval=S   seconds between readings (decimals allowed, > 0)
 * - sleep=S      sleep duration in seconds; 0 = stay awake
 * - qos=N        QoS of readings from now on, 0..2 (−1 needs no connection, so cannot be switched to)
 * - report       send a reading now
 */

export type Command =
  | { kind: 'interval'; seconds: number }
  | { kind: 'sleep'; seconds: number }
  | { kind: 'qos'; qos: 0 | 1 | 2 }
  | { kind: 'report' };

export type ParsedCommands = { ok: true; commands: Command[] } | { ok: false; error: string };

/** Sleep durations go in a 16-bit field (MQTT-SN §5.4.21). */
const MAX_SLEEP_SECONDS = 0xffff;
const MAX_INTERVAL_SECONDS = 7 * 86_400;

export function parseCommands(payload: Buffer): ParsedCommands {
  const text = payload.toString('utf8').trim();
  if (text.length === 0) return { ok: false, error: 'empty command' };
  const commands: Command[] = [];
  for (const part of text.split(/[\s,;]+/)) {
    if (part.length === 0) continue;
    const parsed = parseOne(part);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    commands.push(parsed);
  }
  return { ok: true, commands };
}

function parseOne(part: string): Command | string {
  const [rawKey, rawValue] = part.split('=', 2);
  const key = (rawKey ?? '').toLowerCase();
  if (key === 'report' && rawValue === undefined) return { kind: 'report' };
  const value = Number(rawValue);
  if (rawValue === undefined || rawValue === '' || !Number.isFinite(value)) {
    return `'${part}': expected ${key || 'key'}=<number>`;
  }
  switch (key) {
    case 'interval':
      if (value <= 0 || value > MAX_INTERVAL_SECONDS)
        return `interval must be in (0, ${MAX_INTERVAL_SECONDS}] s`;
      return { kind: 'interval', seconds: value };
    case 'sleep':
      if (value < 0 || value > MAX_SLEEP_SECONDS || !Number.isInteger(value)) {
        return `sleep must be a whole number of seconds, 0..${MAX_SLEEP_SECONDS}`;
      }
      return { kind: 'sleep', seconds: value };
    case 'qos':
      if (value !== 0 && value !== 1 && value !== 2) return 'qos must be 0, 1 or 2';
      return { kind: 'qos', qos: value };
    default:
      return `unknown command '${key}' (known: interval, sleep, qos, report)`;
  }
}
