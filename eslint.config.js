import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  // Build outputs and the sidecar's Python environments (their packages ship JavaScript of their own).
  { ignores: ['dist/**', 'node_modules/**', 'runs/**', 'bench/results/**', 'coverage/**', 'build/**', 'prebuilds/**', '.venv-hf/**', '.venv-hf-current/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
);
