#!/usr/bin/env node
// Writes every code block marked `<!-- snippet: <path> -->` in README.md and docs/*.md to <outDir>/<path>.
// Usage: node scripts/extract-readme-snippets.mjs <outDir>. Fails on a marker without a fence right
// after it, on a path marked twice, and when no snippet is found, so a moved or broken marker fails CI.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node scripts/extract-readme-snippets.mjs <outDir>');
  process.exit(2);
}

const docs = existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join('docs', f)) : [];
const marker = /^<!--\s*snippet:\s*(\S+)\s*-->\s*$/;
const found = new Map();

for (const file of ['README.md', ...docs]) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  lines.forEach((line, i) => {
    const m = marker.exec(line);
    if (!m) return;
    const path = normalize(m[1]);
    if (path.startsWith('..') || path.startsWith('/')) throw new Error(`${file}:${i + 1}: snippet path ${m[1]} must stay inside the app`);
    const fence = /^(`{3,})\w*\s*$/.exec(lines[i + 1] ?? '');
    if (!fence) throw new Error(`${file}:${i + 1}: snippet ${path} is not followed by a code fence`);
    const end = lines.findIndex((l, j) => j > i + 1 && l.trim() === fence[1]);
    if (end < 0) throw new Error(`${file}:${i + 1}: snippet ${path} has no closing fence`);
    if (found.has(path)) throw new Error(`${file}:${i + 1}: snippet ${path} is already marked in ${found.get(path).file}`);
    found.set(path, { file, text: `${lines.slice(i + 2, end).join('\n')}\n` });
  });
}

if (found.size === 0) throw new Error('no <!-- snippet: path --> marker found in README.md or docs/*.md');
for (const [path, { file, text }] of found) {
  const target = join(outDir, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`${path}  <- ${file}`);
}
