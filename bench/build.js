'use strict';
// Compiles lib + sample + bench/app into bench/.build, a private copy: the other scripts'
// `rm -rf dist dist-sample` cannot pull files from under a running benchmark.
const { execFileSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(__dirname, '.build');

function build() {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(__dirname, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  // Package self-reference: `require('nestjs-headless-payments')` inside .build resolves to .build/lib.
  const pkg = {
    name: 'nestjs-headless-payments',
    private: true,
    exports: { '.': './lib/index.js', './testing': './lib/testing/index.js' },
  };
  writeFileSync(join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
}

module.exports = { build, out };

if (require.main === module) build();
