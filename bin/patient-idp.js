#!/usr/bin/env node
// The operator CLI. Node 24 runs the TypeScript sources directly (type stripping).
import { main } from '../src/cli/main.ts';

await main();
