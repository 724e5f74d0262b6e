// Mutation testing of the pure core (npm run test:mutation). Stryker mutates the TypeScript in a sandbox copy,
// builds it with the project's own build (mutant switching: all mutants compiled in at once, one switched on per
// run), then runs the compiled core unit tests with mocha, only those that cover each mutant.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['nodes/core/**/*.ts'],
  buildCommand: 'node scripts/mutation-build.mjs',
  symlinkNodeModules: false, // the build command links it, before it needs it
  testRunner: 'mocha',
  mochaOptions: {
    // Not .mocharc.json: that one also runs the Node-RED, end-to-end and browser suites.
    'no-config': true,
    spec: ['dist/test/unit/**/*.test.js'],
  },
  coverageAnalysis: 'perTest',
  // Many tests build fixtures while loading, so much of the core also runs outside any test ("static"). Such a
  // mutant is still tested, against the tests that cover it; one that only runs at load time (a module-level
  // constant) is reported as ignored instead of costing a reload and the whole suite.
  ignoreStatic: true,
  // Stryker rewrites the tsconfig's extends/references through the TypeScript JS API, which TypeScript 7 no
  // longer has; ours has neither, so point that step at no file (the build reads tsconfig.json as it is).
  tsconfigFile: 'no-tsconfig-rewrite',
  // Results are kept per mutant and test; a re-run tests only mutants in changed code or covered by changed tests.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // dist/ stays in: the sandbox builds its own, but the incremental diff reads the compiled tests from the
  // project's dist/ (npm run test:mutation builds first) to see which tests changed.
  ignorePatterns: ['.build', '.node-red', 'test-artifacts', '*.tgz'],
  // Gentle on small, shared machines; raise with --concurrency where cores are free.
  concurrency: 1,
  // A busy machine slows tests down; only a mutant that loops for real should time out.
  timeoutMS: 10000,
  dryRunTimeoutMinutes: 20,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 85, low: 70, break: null },
};
