/** Jest runs the TypeScript sources and Nest 12's ESM-only packages through SWC as CommonJS. */
const esmPackages = ['@nestjs', 'file-type', 'strtok3', 'token-types', 'peek-readable', 'uint8array-extras', '@tokenizer'];

module.exports = {
  // Node, plus the FakeStripe seed printed when a test with realistic webhook delivery fails.
  testEnvironment: '<rootDir>/test/support/fake-seed.environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reliability/', '<rootDir>/test/browser/'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false }, target: 'es2022', keepClassNames: true }, module: { type: 'commonjs', ignoreDynamic: false } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: {
    '^nestjs-headless-payments$': '<rootDir>/lib/index.ts',
    '^nestjs-headless-payments/testing$': '<rootDir>/lib/testing/index.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testTimeout: 30000,
};
