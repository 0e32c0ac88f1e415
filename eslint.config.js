// Lint: typescript-eslint's recommended rules plus the layering rule of the architecture:
// imports point downward only (web/api → flows → verifications → libraries → queries → models),
// only src/oidc touches oidc-provider at runtime, and only process entries choose adapters.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Folders above each layer: a module may not import from any of them. */
const LAYERS = ['models', 'queries', 'libraries', 'verifications', 'flows', 'oidc', 'api', 'web'];
const above = (layer) => LAYERS.slice(LAYERS.indexOf(layer) + 1);
const noImportsFrom = (folders, extra = []) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        ...folders.map((folder) => ({
          group: [`**/${folder}/*`],
          message: `Imports point downward: this layer may not import from ${folder}/.`,
        })),
        { group: ['**/adapters/*'], message: 'Adapters are chosen in src/index.ts, src/cli and tests only.' },
        ...extra,
      ],
      paths: [
        {
          name: 'oidc-provider',
          allowTypeImports: true,
          message: 'Only src/oidc/ may use oidc-provider at run time.',
        },
      ],
    },
  ],
});

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
  ...LAYERS.map((layer) => ({ files: [`src/${layer}/**/*.ts`], rules: noImportsFrom(above(layer)) })),
  {
    files: ['src/errors/**/*.ts', 'src/config/**/*.ts', 'src/database/**/*.ts', 'src/middleware/**/*.ts'],
    rules: noImportsFrom(LAYERS.filter((layer) => layer !== 'models' && layer !== 'libraries')),
  },
  {
    // The one place allowed to use oidc-provider at run time.
    files: ['src/oidc/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...above('oidc').map((folder) => ({ group: [`**/${folder}/*`] })), { group: ['**/adapters/*'] }] },
      ],
    },
  },
);
