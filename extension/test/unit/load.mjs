// Loads the extension's plain-script content files into Node the way Chrome does: in the order the
// manifest lists them for the MAIN world, minus the page hook. Paths come from this file's location.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const EXT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(EXT, 'test', 'fixtures');
export const manifest = JSON.parse(fs.readFileSync(path.join(EXT, 'manifest.json'), 'utf8'));
export const mainWorldFiles = manifest.content_scripts.find((c) => c.world === 'MAIN').js;

/** Imports the site files (once per process) and answers the registry's list of sites. */
export async function loadSites() {
  for (const file of mainWorldFiles.filter((f) => !f.endsWith('page-hook.js'))) {
    await import(pathToFileURL(path.join(EXT, file)).href);
  }
  return globalThis.__llmUsageSites.sites;
}

/** Reads one fixture folder: {name, expected, request, reply, replyBytes}. */
export function readFixture(name) {
  const dir = path.join(FIXTURES, name);
  const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
  const requestFile = fs.existsSync(path.join(dir, 'request.json')) ? 'request.json' : 'request.txt';
  const replyBytes = fs.readFileSync(path.join(dir, 'reply.txt'));
  return { name, expected: JSON.parse(read('expected.json')), request: read(requestFile), reply: read('reply.txt'), replyBytes };
}

export const fixtureNames = () => fs.readdirSync(FIXTURES).sort();
