// Jest reporter: writes the run's totals to test-results/summary.json, which .ci/run turns into
// its closing "tests: N passed, N failed" line (so CI runs exactly `npm test`, as the README says).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export default class ResultsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const directory = path.join(this.rootDir, 'test-results');
    mkdirSync(directory, { recursive: true });
    const summary = {
      numPassedTests: results.numPassedTests,
      numFailedTests: results.numFailedTests,
      numPendingTests: results.numPendingTests,
      numTotalTests: results.numTotalTests,
      numFailedTestSuites: results.numFailedTestSuites,
      numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites,
      success: results.success,
    };
    writeFileSync(path.join(directory, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}
