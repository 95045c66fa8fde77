import { sqliteHarness } from './sqlite-harness.js';
import { storeContract } from './store.contract.js';

storeContract('sqlite', (options) => sqliteHarness(options));
// The same contract with tiny batches: early commits in the middle of a burst must change nothing.
storeContract('sqlite, batches of 3', (options) => sqliteHarness(options, { maxBatchSize: 3 }));
