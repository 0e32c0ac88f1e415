// The architecture's import rule is enforced by eslint; prove the rule bites where it should.
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test.each([
  ['src/models/probe.ts', "import { createAccounts } from '../libraries/accounts.ts';", /Imports point downward/],
  ['src/libraries/probe.ts', "import { interactionPages } from '../web/interaction-pages.ts';", /Imports point downward/],
  ['src/flows/login/probe.ts', "import { interactionApi } from '../../api/interaction-api.ts';", /Imports point downward/],
  ['src/libraries/probe.ts', "import Provider from 'oidc-provider';", /Only src\/oidc/],
  [
    'src/libraries/probe.ts',
    "import { createMongoOidcStore } from '../../adapters/mongo-oidc-adapter.ts';",
    /Adapters are chosen/,
  ],
])('%s may not: %s', async (filePath, code, message) => {
  const found = await problems(filePath, `${code}\nexport {};\n`);
  expect(found).toEqual([expect.stringMatching(message)]);
});

test.each([
  ['src/web/probe.ts', "import { createLoginFlow } from '../flows/login/login-flow.ts';"],
  ['src/libraries/probe.ts', "import { accountModel } from '../models/account.ts';"],
  ['src/oidc/probe.ts', "import Provider from 'oidc-provider';"],
  ['src/libraries/probe.ts', "import type { Configuration } from 'oidc-provider';"],
])('%s may: %s', async (filePath, code) => {
  expect(await problems(filePath, `${code}\nexport {};\n`)).toEqual([]);
});
