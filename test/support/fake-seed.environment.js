/**
 * Jest's node environment, plus one line when a test fails in a file whose FakeStripe delivered
 * webhooks in realistic (seeded, shuffled) order: the seed, so the order can be replayed.
 */
const { TestEnvironment } = require('jest-environment-node');

class FakeSeedEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    if (event.name !== 'test_fn_failure' && event.name !== 'hook_failure') return;
    const seeds = this.global.__fakeStripeSeeds;
    if (!seeds || seeds.size === 0) return;
    const name = event.test ? event.test.name : event.hook ? event.hook.type : '';
    process.stderr.write(`FakeStripe realistic delivery: "${name}" failed with seed(s) ${[...seeds].join(', ')} (the seed fixes the shuffle, duplicates and delays; rerun to see whether it is order-dependent).\n`);
  }
}

module.exports = FakeSeedEnvironment;
