/** The reliability suite (test/reliability, RELIABILITY.md R1-R13): one file, in band, with long timeouts. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/reliability'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  // Per scenario; the full scale (RELIABILITY_SCALE=full) runs R11's 100,000 requests in one test.
  testTimeout: 30 * 60 * 1000,
};
