// Jest globalTeardown: stops the embedded FerretDB started by global-setup.ts and removes its data.
import { rm } from 'node:fs/promises';
import type { GlobalTestServer } from './global-setup.ts';

// Must match GLOBAL_KEY in global-setup.ts (not imported, so teardown never loads the adapter).
const GLOBAL_KEY = '__patientIdpTestServer';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const state = g[GLOBAL_KEY] as GlobalTestServer | undefined;
  if (!state) return;
  delete g[GLOBAL_KEY];
  try {
    await state.server.stop();
  } finally {
    await rm(state.dataDir, { recursive: true, force: true });
  }
}
