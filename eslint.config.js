// ESLint (flat config) for the project's JavaScript: each folder gets the globals of where its code runs.
// `make lint` runs it over the dashboard, the extension and their benchmarks.
const js = require('@eslint/js');
const globals = require('globals');

const rules = {
  'no-var': 'error',
  'prefer-const': 'error',
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  // An unused argument kept for its position is named `_x`; the same for a caught error.
  'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
};

module.exports = [
  { ignores: ['**/node_modules/', '**/vendor/', 'extension/dist/', '.venv/'] },
  js.configs.recommended,
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { ecmaVersion: 2024, sourceType: 'module' }, rules },
  // This file: CommonJS, read by Node.
  { files: ['eslint.config.js'], languageOptions: { sourceType: 'commonjs', globals: globals.node } },

  // The dashboard page: ES modules in the browser.
  { files: ['collector/dashboard/static/**/*.js'], languageOptions: { globals: globals.browser } },
  // Its build script, unit tests and real-browser tests run in Node (page.evaluate bodies run in the page).
  {
    files: ['collector/dashboard/*.mjs', 'collector/dashboard/test/**', 'collector/dashboard/test-browser/**', 'bench/dashboard/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },

  // The extension. Content scripts are plain scripts in the page (MAIN world) or the isolated world.
  {
    files: ['extension/content/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, ...globals.webextensions } },
  },
  // The service worker (a module worker) and the pages that share its modules.
  {
    files: ['extension/sw/**/*.js', 'extension/shared/**/*.js', 'extension/tokenizer-entry.js'],
    languageOptions: { globals: { ...globals.serviceworker, ...globals.webextensions } },
  },
  {
    files: ['extension/popup/**/*.js', 'extension/options/**/*.js'],
    languageOptions: { globals: { ...globals.browser, ...globals.webextensions } },
  },
  // Its build scripts and tests run in Node; unit tests drive page code against a small fake page,
  // and the e2e tests also evaluate code in pages and the worker.
  { files: ['extension/build.mjs', 'extension/test/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['extension/test/unit/**'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  {
    files: ['extension/test/e2e/**', 'bench/extension/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser, ...globals.webextensions } },
  },
];
