import { createMemoryStore } from '../../src/store/memory.js';
import { storeContract } from './store.contract.js';

storeContract('memory', ({ now }) => {
  // One instance plays the storage: load() after close() is how an in-process restart reopens it.
  const store = createMemoryStore({ now });
  return {
    open: () => store,
    crash: () => undefined,
    cleanup: async () => undefined,
  };
});
