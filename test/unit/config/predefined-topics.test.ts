import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadPredefinedTopics,
  PredefinedTopicTable,
  parsePredefinedTopics,
} from '../../../src/config/index.js';
import { useTempDir } from './temp-files.js';

const temp = useTempDir();

describe("predefined topics file (Paho's predefinedTopic.conf format)", () => {
  it('reads global and per-client ids; a client entry wins over a global one', () => {
    const table = parsePredefinedTopics(
      [
        '# ClientId, TopicName, TopicId',
        '*, sensors/status, 1',
        '*, sensors/time, 2',
        '',
        'sensor-7, sensors/7/cmd, 1',
        'sensor-8,sensors/8/cmd,1',
        '  sensor-8 , a/b,c , 3 ',
      ].join('\n'),
      'topics.conf',
    );
    expect(table.size).toBe(5);
    expect(table.maxTopicId).toBe(3);
    expect(table.topicName('sensor-1', 1)).toBe('sensors/status');
    expect(table.topicName('sensor-7', 1)).toBe('sensors/7/cmd');
    expect(table.topicName('sensor-7', 2)).toBe('sensors/time');
    expect(table.topicName('sensor-8', 3)).toBe('a/b,c');
    expect(table.topicName('sensor-1', 3)).toBeUndefined();
    expect(table.topicId('sensor-8', 'sensors/8/cmd')).toBe(1);
    expect(table.topicId('sensor-1', 'sensors/time')).toBe(2);
    expect(table.topicId('sensor-1', 'sensors/8/cmd')).toBeUndefined();
    // sensor-7's id 1 is sensors/7/cmd: the global id 1 cannot also stand for sensors/status there.
    expect(table.topicId('sensor-1', 'sensors/status')).toBe(1);
    expect(table.topicId('sensor-7', 'sensors/status')).toBeUndefined();
    expect(table.topicName('sensor-7', table.topicId('sensor-7', 'sensors/time') ?? 0)).toBe('sensors/time');
    expect(table.entries[0]).toEqual({ clientId: '*', topicName: 'sensors/status', topicId: 1, line: 2 });
  });

  it('an empty table knows nothing', () => {
    const table = new PredefinedTopicTable();
    expect(table.size).toBe(0);
    expect(table.maxTopicId).toBe(0);
    expect(table.topicName('a', 1)).toBeUndefined();
  });

  it('loads from a file', () => {
    const file = temp.write('predefinedTopic.conf', '*, a, 10\r\n');
    expect(loadPredefinedTopics(file).topicName('x', 10)).toBe('a');
  });

  it.each([
    ['*, a/b', 1, "expected 'ClientId|*, TopicName, TopicId', got '*, a/b'"],
    ['just-a-line', 1, "expected 'ClientId|*, TopicName, TopicId', got 'just-a-line'"],
    ['*, a/b, 0', 1, "expected a topic id 1..65534, got '0'"],
    ['*, a/b, 65535', 1, "expected a topic id 1..65534, got '65535'"],
    ['*, a/b, one', 1, "expected a topic id 1..65534, got 'one'"],
    [', a/b, 1', 1, "the ClientId is empty (use '*' for every client)"],
    ['*, , 1', 1, 'the topic name is empty'],
    ['*, a/+/b, 1', 1, "topic name 'a/+/b' contains a wildcard (+ or #)"],
    ['*, a/#, 1', 1, "topic name 'a/#' contains a wildcard (+ or #)"],
    [
      'abcdefghijklmnopqrstuvwxyz, a, 1',
      1,
      "ClientId 'abcdefghijklmnopqrstuvwxyz' is longer than 23 characters (MQTT-SN §5.3.1)",
    ],
    ['# ids\n*, a, 1\n*, b, 1', 3, "topic id 1 for '*' is already defined on line 2"],
    ['c1, a, 1\n\nc1, a, 2', 3, "topic 'a' for 'c1' already has id 1 (line 1)"],
  ])('%j → line %i: %s', (text, line, detail) => {
    let caught: unknown;
    try {
      parsePredefinedTopics(text, 'topics.conf');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toMatchObject({ file: 'topics.conf', line, key: undefined, detail });
    expect((caught as ConfigError).message).toBe(`topics.conf:${line}: ${detail}`);
  });

  it('a missing file names the file', () => {
    expect(() => loadPredefinedTopics(`${temp.dir}/absent.conf`)).toThrow(
      `${temp.dir}/absent.conf: cannot read the predefined topics file (ENOENT)`,
    );
  });
});
