// Gzip size of the JavaScript a first visit to the home page downloads: the entry chunk, its static imports, and
// the home page chunk with its static imports (read from Vite's build manifest).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));

const files = new Set();
function walk(key) {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const dep of chunk.imports ?? []) walk(dep);
}

walk('index.html');
const home = Object.keys(manifest).find((key) => key.endsWith('pages/HomePage.tsx'));
if (home) walk(home);

let raw = 0;
let gzip = 0;
for (const file of files) {
  const bytes = readFileSync(join(dist, file));
  raw += bytes.length;
  gzip += gzipSync(bytes, { level: 9 }).length;
  console.log(`${file.padEnd(48)} ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} kB gz`);
}
console.log(
  `home initial JS: ${(raw / 1024).toFixed(1)} kB raw, ${(gzip / 1024).toFixed(1)} kB gzip (${files.size} files)`,
);
