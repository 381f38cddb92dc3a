'use strict';
// Starts the bench app (bench/app/main.ts, compiled) as a child process and talks to it over IPC.
const { fork } = require('node:child_process');
const { openSync, closeSync } = require('node:fs');
const { join } = require('node:path');

/**
 * @param {{ env: Record<string,string>, logFile: string, buildDir: string }} options
 * @returns {Promise<{ url: string, pid: number, call: (command: object) => Promise<any>, stop: () => Promise<void> }>}
 */
function startApp({ env, logFile, buildDir }) {
  const log = openSync(logFile, 'a');
  const child = fork(join(buildDir, 'bench', 'app', 'main.js'), [], {
    // --expose-gc: memory is read after a full collection, so the figures compare live memory, not garbage.
    execArgv: ['--expose-gc'],
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  return new Promise((resolve, reject) => {
    const onExit = (code) => {
      exited = true;
      const error = new Error(`bench app exited with code ${code}; see ${logFile}`);
      for (const { reject: fail } of pending.values()) fail(error);
      pending.clear();
      reject(error);
    };
    child.on('exit', onExit);
    child.on('message', (message) => {
      if (message.ready) {
        resolve({
          url: message.url,
          pid: child.pid,
          call: (command) =>
            new Promise((ok, fail) => {
              if (exited) return fail(new Error('bench app is not running'));
              const id = nextId++;
              pending.set(id, { resolve: ok, reject: fail });
              child.send({ id, command });
            }),
          stop: async () => {
            if (exited) return;
            const done = new Promise((ok) => child.once('exit', ok));
            child.removeListener('exit', onExit);
            const id = nextId++;
            pending.set(id, { resolve: () => undefined, reject: () => undefined });
            child.send({ id, command: { op: 'stop' } });
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await done;
            clearTimeout(timer);
            exited = true;
          },
        });
        return;
      }
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (message.ok) entry.resolve(message.result);
      else entry.reject(new Error(`bench app: ${message.error}`));
    });
  });
}

module.exports = { startApp };
