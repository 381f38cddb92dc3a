/** The browser journey (test/browser): the default config ignores it because it needs Chromium and a built sample. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/browser/support/build-sample.global-setup.ts',
  testTimeout: 90000,
};
