// Lint: typescript-eslint's recommended rules plus the architecture's import rules, over every
// folder of src/ (entries included):
// - layers import downward only (LAYERS, ground floor first), `api` and `web` side by side;
// - the shared rooms (SHARED) import no layer, and nothing imports an entry (ENTRIES);
// - no import cycles anywhere;
// - only src/oidc uses oidc-provider at run time, and only entries (and tests, bench) choose adapters.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** The floors of src/, from the ground up; folders on one floor may not import each other. */
export const LAYERS = [
  ['database'],
  ['models'],
  ['platform'],
  ['domain'],
  ['flows'],
  ['oidc'],
  ['http'],
  ['admin'],
  ['api', 'web'],
];
/** Importable from anywhere; they import no layer (ports only the database's types). */
export const SHARED = ['config', 'errors', 'text', 'paths.ts', 'ports'];
/** Process entries and wiring: they may import anything, and nothing imports them. */
export const ENTRIES = ['main.ts', 'boot.ts', 'container.ts', 'app.ts', 'library', 'cli', 'dev'];

const src = (room) => `./src/${room}`;
const layerFolders = LAYERS.flat();

function zones() {
  const result = [];
  LAYERS.forEach((floor, index) => {
    const above = LAYERS.slice(index + 1).flat();
    for (const room of floor) {
      const siblings = floor.filter((other) => other !== room);
      for (const from of [...above, ...siblings]) {
        result.push({ target: src(room), from: src(from), message: `Imports point downward: ${room}/ may not import ${from}/.` });
      }
    }
  });
  for (const room of SHARED) {
    const allowed = room === 'ports' ? ['database'] : [];
    for (const from of layerFolders.filter((folder) => !allowed.includes(folder))) {
      result.push({
        target: src(room),
        from: src(from),
        message: `${room} is shared by every layer: it may not import ${from}/.`,
      });
    }
  }
  for (const entry of ENTRIES) {
    for (const room of [...layerFolders, ...SHARED]) {
      result.push({ target: src(room), from: src(entry), message: `Nothing imports an entry: ${room} may not import ${entry}.` });
    }
  }
  for (const room of [...layerFolders, ...SHARED]) {
    result.push({
      target: src(room),
      from: './adapters',
      message: 'Adapters are chosen by src/boot.ts (and tests and benchmarks) only.',
    });
  }
  for (const from of ['platform', 'domain', 'flows', 'oidc', 'http', 'api', 'web', ...ENTRIES]) {
    result.push({ target: './adapters', from: src(from), message: `Adapters implement ports: they may not import ${from}.` });
  }
  return result;
}

const oidcProviderAtRunTime = {
  name: 'oidc-provider',
  allowTypeImports: true,
  message: 'Only src/oidc/ may use oidc-provider at run time.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'coverage/', '.cache/', '.data/', 'dist/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        URLSearchParams: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Browser scripts (our pages', the example host's), classic scripts: no modules, no build.
    files: ['public/**/*.js', 'examples/**/public/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', FormData: 'readonly', location: 'readonly', Option: 'readonly' },
    },
  },
  {
    files: ['src/**/*.ts', 'adapters/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      // The modules an import leads to are read as TypeScript too (for the cycle check).
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: zones() }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': ['error', { paths: [oidcProviderAtRunTime] }],
    },
  },
  {
    // The places allowed to use oidc-provider at run time: our configuration of it, and the
    // adapters of its storage port (which answer a replayed consumption with its own errors).
    files: ['src/oidc/**/*.ts', 'adapters/*oidc*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
