import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Settings are read only in src/config.ts.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'parseFloat', message: 'Prices and sizes are decimal strings: never parseFloat them.' },
      ],
    },
  },
  {
    files: ['src/config.ts', 'test/**', 'bench/**', '*.config.ts', '*.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
  { files: ['*.js'], extends: [tseslint.configs.disableTypeChecked] },
);
