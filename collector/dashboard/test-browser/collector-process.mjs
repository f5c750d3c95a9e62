// A real collector in a temp folder for the browser tests: seeded history, port 0, SIGTERM to stop.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const PYTHON = process.env.COLLECTOR_PYTHON || join(REPO, '.venv', 'bin', 'python');
const START_TIMEOUT_MS = 10_000;

/** Write SNAP_DIR/snapshots.csv as the rollup does: `date,<host>,...`, one row a date, 0 where none. */
export function writeHistory(snapDir, rows) {
  const hosts = [...new Set(Object.values(rows).flatMap((counts) => Object.keys(counts)))].sort();
  const lines = [['date', ...hosts].join(',')];
  for (const day of Object.keys(rows).sort()) {
    lines.push([day, ...hosts.map((h) => rows[day][h] ?? 0)].join(','));
  }
  mkdirSync(snapDir, { recursive: true });
  writeFileSync(join(snapDir, 'snapshots.csv'), `${lines.join('\n')}\n`);
}

/** Start `python -m collector` in dir; resolves to { url, stop() } once it says where it listens. */
export function startCollector(dir, apiKey, extraEnv = {}) {
  if (!existsSync(PYTHON)) throw new Error(`no Python at ${PYTHON}: run \`make setup\` first`);
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8',
    API_KEY: apiKey, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'INFO', BUCKET_TIMEZONE: 'UTC',
    STATE_PATH: join(dir, 'state.json'), SNAP_DIR: join(dir, 'snapshots'), DB_PATH: join(dir, 'collector.db'),
    PYTHONPATH: REPO, ...extraEnv,
  };
  const proc = spawn(PYTHON, ['-m', 'collector'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const stop = async () => {
    // A test sees a server error only as "status of 500" in the page's console: show its traceback.
    if (log.includes('Traceback')) console.error(`collector log (it logged an error):\n${log.slice(-6000)}`);
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`collector did not start within ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      log += chunk;
      const match = /collector listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], stop, log: () => log });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code} before listening:\n${log}`));
    });
  });
}
