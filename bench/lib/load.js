'use strict';
// One load run with autocannon, timed by its last response (autocannon's own `duration` is
// rounded up to whole seconds when a run ends by `amount`).
const autocannon = require('autocannon');

/**
 * @param {object} spec
 * @param {string} spec.url           the app's origin
 * @param {string} spec.method
 * @param {string} spec.path
 * @param {Record<string,string>} [spec.headers]
 * @param {string} [spec.body]
 * @param {() => { headers: Record<string,string>, body: string }} [spec.next]  a fresh request body per request
 * @param {number} [spec.amount]      requests to send (the run ends when all answered)
 * @param {number} [spec.duration]    or seconds to run
 * @param {number} spec.connections
 */
function runLoad(spec) {
  const request = { method: spec.method, path: spec.path, headers: spec.headers ?? {}, body: spec.body };
  if (spec.next) {
    request.setupRequest = (req) => {
      const { headers, body } = spec.next();
      return { ...req, headers, body };
    };
  }
  const options = {
    url: spec.url,
    connections: spec.connections,
    // Nothing may time out: a request the client gave up on but the server counted breaks the exact-count check.
    timeout: 60,
    requests: [request],
  };
  if (spec.amount) options.amount = spec.amount;
  else options.duration = spec.duration;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let last = started;
    const instance = autocannon(options, (error, result) => {
      if (error) return reject(error);
      const seconds = spec.amount ? (last - started) / 1000 : result.duration;
      const answered = result.totalCompletedRequests ?? result.requests.total;
      resolve({
        seconds,
        answered,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        rps: answered / seconds,
        p50: result.latency.p50,
        p99: result.latency.p99,
        statusCodes: result.statusCodeStats,
      });
    });
    instance.on('response', () => {
      last = performance.now();
    });
  });
}

module.exports = { runLoad };
