import { it } from 'vitest';
import { asLines, runBoth } from './helpers/scenario.js';

it('probe', async () => {
  const { mosquitto, ours } = await runBoth(
    async (run) => {
      const s = await run.connect('s', {
        version: 5,
        clientId: 's',
        properties: {
          topicAliasMaximum: 10,
          requestResponseInformation: true,
          requestProblemInformation: false,
        },
      });
      await s.subscribe([{ topic: '$SYS/#', qos: 0 }]);
      await run.sync();
      await s.subscribe([{ topic: 'al/#', qos: 0 }]);
      const pub = await run.connect('pub', { version: 5, clientId: 'pub' });
      await pub.publish('al/x', 'a');
      await pub.publish('al/x', 'b');
      await run.sync();
    },
    { ours: [{ sysInterval: 10 }] },
  );
  console.log(JSON.stringify(asLines(mosquitto).s, null, 1));
  console.log(JSON.stringify(asLines(ours).s, null, 1));
});
