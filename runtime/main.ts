#!/usr/bin/env node
/**
 * modelship-runtime: `serve` runs a model; `fetch` is the storage initializer the operator runs as an init
 * container to put the model file in place. The command line is a contract with the operator
 * (docs/adr/0001-contracts-between-parts.md).
 */
import { Command, CommanderError } from 'commander';
import { serveCommand } from './cli/serve-command.ts';
import { fetchCommand } from './cli/fetch-command.ts';
import { RUNTIME_NAME, RUNTIME_VERSION } from './version.ts';

const program = new Command(RUNTIME_NAME)
  .description('Modelship inference runtime for ONNX models')
  .version(RUNTIME_VERSION)
  .addCommand(serveCommand().exitOverride())
  .addCommand(fetchCommand().exitOverride())
  .exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has already printed its own message (or the help text).
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  // One line, no stack: these are configuration mistakes a person fixes from the message.
  process.stderr.write(`${RUNTIME_NAME}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
