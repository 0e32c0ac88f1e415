#!/usr/bin/env node
// The operator CLI. From this repository Node 24 runs the TypeScript sources directly (type
// stripping); installed as a package (under node_modules, where Node strips no types) it runs the
// build that ships in dist/.
const installed = import.meta.url.includes('/node_modules/');
const { main } = await import(installed ? '../dist/src/cli/main.js' : '../src/cli/main.ts');

await main();
