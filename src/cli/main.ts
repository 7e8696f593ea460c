#!/usr/bin/env node
// kubectl-modelship: the kubectl plugin for Modelship. kubectl runs any `kubectl-<name>` on the PATH as
// `kubectl <name>`, so `kubectl modelship status fraud` lands here with ["status", "fraud"].
import { defaultIO, run } from './program.ts';

process.exitCode = await run(process.argv.slice(2), defaultIO());
