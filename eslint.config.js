// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const NODE_BUILTINS = require('node:module').builtinModules.filter((m) => !m.startsWith('_'));
const FOLDERS = ['api', 'libraries', 'activities', 'workflows', 'db', 'lib', 'worker', 'scripts', 'test'];

/**
 * The layers (README "Layout"): data flows one way, api → libraries → (db | Temporal client), and
 * workflows → activities → libraries/db/lib. For each folder, what it may NOT import, as folder names at
 * the repository's top level ('workflows/!shared' means workflows other than workflows/shared);
 * `typeOnly` ones may still be imported with `import type`.
 */
const LAYERS = {
  lib: { forbid: FOLDERS.filter((f) => f !== 'lib') },
  db: { forbid: FOLDERS.filter((f) => f !== 'db') },
  'workflows/shared': { forbid: FOLDERS },
  workflows: { forbid: ['api', 'libraries', 'db', 'lib', 'worker', 'scripts', 'test'], typeOnly: ['activities'] },
  activities: { forbid: ['api', 'workflows/!shared', 'worker', 'scripts', 'test'] },
  libraries: { forbid: ['api', 'activities', 'worker', 'scripts', 'test'], typeOnly: ['workflows/!shared'] },
  api: { forbid: ['activities', 'worker', 'scripts', 'test'], typeOnly: ['db', 'workflows/!shared'] },
  worker: { forbid: ['api', 'scripts', 'test'] },
};

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A regex for imports of `target` from a file `depth` folders below the repository root. */
function importOf(target, depth) {
  const up = `^(\\.\\./){${depth}}`;
  if (target === 'workflows/!shared') return `${up}workflows(/(?!shared(/|$))|$)`;
  return `${up}${escape(target)}(/|$)`;
}

function layerConfigs() {
  const configs = [];
  for (const [folder, { forbid, typeOnly = [] }] of Object.entries(LAYERS)) {
    const base = folder.split('/').length;
    for (let extra = 0; extra < 4; extra++) {
      const depth = base + extra;
      const files = [`${folder}/${'*/'.repeat(extra)}*.ts`];
      // Process entry points build the clients (config → sql → …), so they may reach every layer.
      const ignores = folder === 'workflows' ? ['workflows/shared/**'] : folder === 'api' ? ['api/server.ts'] : [];
      const patterns = [
        ...forbid.map((t) => ({ regex: importOf(t, depth), message: `${folder}/ must not import ${t}/ (README "Layout": data flows one way).` })),
        ...typeOnly.map((t) => ({ regex: importOf(t, depth), allowTypeImports: true, message: `${folder}/ may import ${t}/ with \`import type\` only.` })),
      ];
      if (folder === 'workflows/shared') {
        // A pure leaf: nothing outside itself, whatever the depth.
        patterns.push({ regex: `^(\\.\\./){${extra + 1}}`, message: 'workflows/shared is a pure leaf: it imports nothing outside itself.' });
      }
      configs.push({ files, ignores, rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: folder.startsWith('workflows') ? WORKFLOW_PATHS : [], patterns }] } });
    }
  }
  return configs;
}

// Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node APIs, activities by type only.
const WORKFLOW_PATHS = [
  ...NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'Workflows must not use Node built-ins.' })),
  { name: 'postgres', message: 'Workflows reach the database only through activities.' },
  { name: 'nodemailer', message: 'Workflows send mail only through activities.' },
];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', 'eslint.config.js', 'jest.config.js', 'test/helpers/summaryReporter.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // The settings page's script (web/settings/): plain browser JavaScript, no build step, no type information.
  {
    files: ['web/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'script',
      parserOptions: { projectService: false },
      globals: { window: 'readonly', document: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', URL: 'readonly', Option: 'readonly', setTimeout: 'readonly' },
    },
  },
  ...layerConfigs(),
);
