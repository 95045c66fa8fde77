/**
 * Differential test: the same acl_file in the real mosquitto 2.0.11 broker and in our
 * AclAuthorizer must give the same answer for every (client, topic) on PUBLISH and on delivery.
 * mosquitto's answers are observed, not assumed: each client publishes every topic and a
 * superuser watches (write), the superuser publishes every topic to clients subscribed to `#`
 * (read). A per-client sentinel topic, readable and writable through a %c pattern, marks the end
 * of each batch, so no wait is a guess. (SUBSCRIBE differs on purpose, see docs/security.md.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAclAuthorizer, parseAclFile } from '../../src/security/acl.js';

const ACL = `
topic read public/#
topic write public/anon

user alice
topic readwrite sensors/#
topic deny sensors/secret
topic write cmd/alice
topic read a/+/c

user bob
topic read sensors/+/temp
topic sensors/bob

user admin
topic readwrite #

pattern write devices/%c/status
pattern read devices/%c/cmd/#
pattern readwrite users/%u/#
pattern readwrite sentinel/%c
`;

const TOPICS = [
  'public/news',
  'public/anon',
  'sensors',
  'sensors/a/temp',
  'sensors/secret',
  'sensors/secret/x',
  'sensors/bob',
  'cmd/alice',
  'a/b/c',
  'a/b/c/d',
  'devices/dev1/status',
  'devices/bob1/status',
  'devices/dev1/cmd/go',
  'devices/other/cmd/go',
  'users/alice/x',
  'users/bob/x',
  'users/mallory/x',
  'other',
];

/** Who connects: client id and username (undefined = anonymous). */
const CLIENTS: Array<{ id: string; user?: string }> = [
  { id: 'anon1' },
  { id: 'dev1', user: 'alice' },
  { id: 'bob1', user: 'bob' },
  { id: 'mal', user: 'mallory' },
];

let dir: string;
let broker: ChildProcess;
let port: number;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'acl-diff-'));
  chmodSync(dir, 0o755); // mosquitto started as root reads its files as user `mosquitto`
  writeFileSync(join(dir, 'acl'), ACL, { mode: 0o644 });
  port = await freePort();
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `acl_file ${join(dir, 'acl')}`].join('\n'),
  );
  broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  broker.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const deadline = Date.now() + 5000;
  while (!log.includes('running')) {
    if (Date.now() > deadline || broker.exitCode !== null) throw new Error(`mosquitto did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
});

afterAll(() => {
  if (broker.exitCode === null) broker.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function connect(id: string, user?: string): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id,
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...(user === undefined ? {} : { username: user }),
  });
}

/** Topics `receiver` gets from `sender` publishing every topic, up to the sentinel of `sentinelOf`. */
async function observe(
  sender: mqtt.MqttClient,
  receiver: mqtt.MqttClient,
  sentinelOf: string,
): Promise<Set<string>> {
  const sentinel = `sentinel/${sentinelOf}`;
  const seen = new Set<string>();
  const done = new Promise<void>((resolve, reject) => {
    const onMessage = (topic: string): void => {
      if (topic !== sentinel) {
        seen.add(topic);
        return;
      }
      clearTimeout(timer);
      receiver.off('message', onMessage);
      resolve();
    };
    const timer = setTimeout(() => {
      receiver.off('message', onMessage);
      reject(new Error(`no sentinel ${sentinel}`));
    }, 5000);
    receiver.on('message', onMessage);
  });
  for (const topic of TOPICS) await sender.publishAsync(topic, 'x', { qos: 1 });
  await sender.publishAsync(sentinel, 'end', { qos: 1 });
  await done;
  return seen;
}

describe('ACL semantics against mosquitto 2.0.11', () => {
  const ours = createAclAuthorizer(parseAclFile(ACL, 'acl'));

  for (const { id, user } of CLIENTS) {
    it(`${user ?? 'anonymous'} (${id}): same PUBLISH and delivery decisions`, async () => {
      const admin = await connect(`admin-${id}`, 'admin');
      const client = await connect(id, user);
      try {
        await admin.subscribeAsync('#', { qos: 1 });
        const written = await observe(client, admin, id);
        await client.subscribeAsync('#', { qos: 1 }); // mosquitto grants it and filters deliveries
        const read = await observe(admin, client, id);
        const expected = (allowed: (t: string) => boolean) => TOPICS.filter(allowed);
        expect([...written]).toEqual(expected((t) => ours.canPublish(id, user, t)));
        expect([...read]).toEqual(expected((t) => ours.canRead(id, user, t)));
      } finally {
        await Promise.all([admin.endAsync(true), client.endAsync(true)]);
      }
    });
  }
});
