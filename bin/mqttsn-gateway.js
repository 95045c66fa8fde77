#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4 caps V8's young generation at 4 MB per semi-space. Left to itself V8 grows
// it to 16 MB while connections arrive and keeps it: at 10,000 idle connections that is 1.2-2.5 KB
// of resident memory per connection (issue 2's budget is 4 KB). Measured: about 3.3 KB per idle
// connection with the flag, 4.8 KB without; fan-in throughput about 10 % lower, still 2-3x
// mosquitto's. `npm start` and the benchmarks pass the same flag (bench/common/ours-command.ts).
import '../dist/src/cli/gateway.js';
