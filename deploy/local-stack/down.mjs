#!/usr/bin/env node
// `pnpm stack:down`: stops what `pnpm stack:up` started, nothing else.
import { stopStack } from './state.mjs';

await stopStack((message) => process.stdout.write(`stack: ${message}\n`));
