#!/usr/bin/env node
import '../dist/firmware-sim/cli.js';
