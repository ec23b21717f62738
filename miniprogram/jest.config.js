module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/tests/**/*.test.js'],
  // Only our own sources count for coverage.
  collectCoverageFrom: ['utils/**/*.js', 'pages/**/*.js'],
}
