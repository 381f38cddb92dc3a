import { report } from '../support/reliability-env';
import { Harness } from '../support/reliability-harness';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * R13, run last: every log line of both instances and the fake, and every HTTP answer body the
 * suite received, scanned for secrets; logs also for checkout/portal URLs (answers of POST
 * /checkout and /portal carry their URL by design).
 */
export async function r13SecretScan(h: Harness): Promise<void> {
  const started = Date.now();
  const secrets = [/sk_(test|live)_[A-Za-z0-9]/, /rk_(test|live)_[A-Za-z0-9]/, /whsec_[A-Za-z0-9]/, new RegExp(escape(h.fake.secretKey)), new RegExp(escape(h.fake.webhookSecret))];
  const urls = [new RegExp(`${escape(h.fake.url)}/(checkout|portal)/`), /checkout\.stripe\.com/, /billing\.stripe\.com/, /\/(checkout|portal)\/(cs|bps)_[A-Za-z0-9]/];
  const stripeErrorText = [/No such (customer|subscription|price|checkout)/i, /Your card was declined/i, /Invalid API Key/i];
  const logHits = h.capture.logs.filter((line) => [...secrets, ...urls].some((re) => re.test(line)));
  const responseSecretHits = h.capture.responses.filter((r) => secrets.some((re) => re.test(r.body)));
  const responseStripeText = h.capture.responses.filter((r) => stripeErrorText.some((re) => re.test(r.body)));
  report('R13', 'logs and answers scanned for secrets and URLs', {
    logLines: h.capture.logs.length, responses: h.capture.responses.length, secretsOrUrlsInLogs: logHits.length,
    secretsInResponses: responseSecretHits.length, stripeErrorTextInResponses: responseStripeText.length,
  }, started);
  expect(h.capture.logs.length).toBeGreaterThan(0);
  expect(h.capture.responses.length).toBeGreaterThan(0);
  expect(logHits.slice(0, 10)).toEqual([]);
  expect(responseSecretHits.slice(0, 10).map((r) => `${r.route}: ${r.body.slice(0, 300)}`)).toEqual([]);
  expect(responseStripeText.slice(0, 10).map((r) => `${r.route}: ${r.body.slice(0, 300)}`)).toEqual([]);
}
