#!/usr/bin/env node
import { runCli } from './run-cli.js';
import { processIo } from './shared/cli-io.js';

// exitCode rather than process.exit(): stdout to a pipe is written asynchronously and must drain first.
process.exitCode = await runCli(process.argv.slice(2), processIo());
