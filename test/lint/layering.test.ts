// The architecture's import rules are enforced by eslint over every folder of src/ (entries
// included); prove they bite where they should and stay quiet where imports are allowed.
import { ESLint } from 'eslint';
import { readdirSync } from 'node:fs';
import { ENTRIES, LAYERS, SHARED } from '../../eslint.config.js';

const eslint = new ESLint();
const RULES = new Set(['no-restricted-imports', 'import-x/no-restricted-paths', 'import-x/no-cycle']);

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId && RULES.has(m.ruleId)).map((m) => m.message);
}

test('every folder and file of src/ is in exactly one room of the rule', () => {
  const rooms = [...LAYERS.flat(), ...SHARED, ...ENTRIES];
  expect(new Set(rooms).size).toBe(rooms.length);
  const present = readdirSync(new URL('../../src/', import.meta.url));
  expect(present.sort()).toEqual(rooms.sort());
});

test.each([
  [
    'src/models/probe.ts',
    "import { createAccounts } from '../domain/account/accounts.ts';",
    /Imports point downward: models\/ may not import domain\//,
  ],
  ['src/domain/probe.ts', "import { interactionPages } from '../web/interaction-pages.ts';", /Imports point downward/],
  ['src/flows/interaction/probe.ts', "import { createApi } from '../../api/index.ts';", /Imports point downward/],
  ['src/api/probe.ts', "import { createPages } from '../web/page.ts';", /api\/ may not import web\//],
  ['src/web/probe.ts', "import { ApiRoutes } from '../api/route.ts';", /web\/ may not import api\//],
  ['src/text/probe.ts', "import { createModels } from '../models/index.ts';", /shared by every layer/],
  ['src/oidc/probe.ts', "import { createContainer } from '../container.ts';", /Nothing imports an entry/],
  ['src/domain/probe.ts', "import Provider from 'oidc-provider';", /Only src\/oidc/],
  [
    'src/platform/probe.ts',
    "import { createMongoOidcStore } from '../../adapters/mongo-oidc-adapter.ts';",
    /Adapters are chosen/,
  ],
  ['adapters/probe.ts', "import { createApp } from '../src/app.ts';", /Adapters implement ports/],
  // A cycle: enrollments.ts imports lifecycle.ts, which would import it back.
  ['src/domain/enrollment/lifecycle.ts', "import { createEnrollments } from './enrollments.ts';", /cycle/i],
])('%s may not: %s', async (filePath, code, message) => {
  const found = await problems(filePath, `${code}\nexport {};\n`);
  expect(found).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
});

test.each([
  ['src/web/probe.ts', "import { createInteractionFlow } from '../flows/interaction/interaction.ts';"],
  ['src/domain/probe.ts', "import { accountModel } from '../models/account.ts';"],
  ['src/oidc/probe.ts', "import Provider from 'oidc-provider';"],
  ['src/domain/probe.ts', "import type { Configuration } from 'oidc-provider';"],
  ['src/models/probe.ts', "import { paths } from '../paths.ts';"],
  ['src/ports/probe.ts', "import type { ExpiryManager } from '../database/expiry.ts';"],
  ['src/boot.ts', "import { createMongoOidcStore } from '../adapters/mongo-oidc-adapter.ts';"],
  ['src/cli/probe.ts', "import { boot } from '../boot.ts';"],
])('%s may: %s', async (filePath, code) => {
  expect(await problems(filePath, `${code}\nexport {};\n`)).toEqual([]);
});

test('the whole tree: no upward import and no cycle', async () => {
  const results = await eslint.lintFiles(['src/**/*.ts', 'adapters/**/*.ts']);
  const found = results.flatMap((result) =>
    result.messages.filter((m) => m.ruleId && RULES.has(m.ruleId)).map((m) => `${result.filePath}: ${m.message}`),
  );
  expect(found).toEqual([]);
});
