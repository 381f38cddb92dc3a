import { createHmac } from 'node:crypto';
import { parseSignatureHeader, verifyStripeSignature } from '../../lib/webhooks';

const secret = 'whsec_unit_a';
const other = 'whsec_unit_b';
const now = 1_800_000_000;
const body = Buffer.from('{"id":"evt_1","type":"invoice.paid"}');
const sign = (t: number, key = secret, payload: Buffer = body) => createHmac('sha256', key).update(`${t}.`).update(payload).digest('hex');

describe('verifyStripeSignature', () => {
  const cases: [string, string | undefined, string[], boolean | string][] = [
    ['valid', `t=${now},v1=${sign(now)}`, [secret], true],
    ['missing header', undefined, [secret], 'missing_header'],
    ['empty header', '', [secret], 'missing_header'],
    ['garbage header', 'hello', [secret], 'malformed_header'],
    ['no timestamp', `v1=${sign(now)}`, [secret], 'malformed_header'],
    ['two timestamps', `t=${now},t=${now},v1=${sign(now)}`, [secret], 'malformed_header'],
    ['no v1', `t=${now},v0=${sign(now)}`, [secret], 'no_v1_signature'],
    ['v1 not hex', `t=${now},v1=zz`, [secret], 'no_v1_signature'],
    ['wrong secret', `t=${now},v1=${sign(now, other)}`, [secret], 'no_matching_signature'],
    ['second configured secret matches', `t=${now},v1=${sign(now, other)}`, [secret, other], true],
    ['several v1, one valid', `t=${now},v1=${sign(now, other)},v1=${sign(now)}`, [secret], true],
    ['signature of another body', `t=${now},v1=${sign(now, secret, Buffer.from('{}'))}`, [secret], 'no_matching_signature'],
    ['signature for another timestamp', `t=${now},v1=${sign(now - 1)}`, [secret], 'no_matching_signature'],
    ['expired (301 s)', `t=${now - 301},v1=${sign(now - 301)}`, [secret], 'timestamp_too_old'],
    ['at the edge (300 s)', `t=${now - 300},v1=${sign(now - 300)}`, [secret], true],
    ['future (301 s)', `t=${now + 301},v1=${sign(now + 301)}`, [secret], 'timestamp_in_future'],
    ['future within skew (300 s)', `t=${now + 300},v1=${sign(now + 300)}`, [secret], true],
    ['uppercase hex accepted', `t=${now},v1=${sign(now).toUpperCase()}`, [secret], true],
    ['spaces around parts', ` t=${now} , v1=${sign(now)} `, [secret], true],
    ['no secrets configured', `t=${now},v1=${sign(now)}`, [], 'no_secret'],
  ];

  it.each(cases)('%s', (_name, header, secrets, expected) => {
    const result = verifyStripeSignature({ rawBody: body, header, secrets, toleranceSeconds: 300, nowSeconds: now });
    if (expected === true) expect(result).toEqual({ ok: true, timestamp: expect.any(Number) });
    else expect(result).toEqual({ ok: false, reason: expected });
  });

  it('refuses a flipped byte anywhere in the body', () => {
    const header = `t=${now},v1=${sign(now)}`;
    for (let i = 0; i < body.length; i++) {
      const flipped = Buffer.from(body);
      flipped[i] ^= 0x01;
      expect(verifyStripeSignature({ rawBody: flipped, header, secrets: [secret], toleranceSeconds: 300, nowSeconds: now }).ok).toBe(false);
    }
  });

  it('parses at most 16 signatures and ignores unknown schemes', () => {
    const many = Array.from({ length: 40 }, () => `v1=${'a'.repeat(64)}`).join(',');
    expect(parseSignatureHeader(`t=1,${many},v9=x`)?.signatures).toHaveLength(16);
    expect(parseSignatureHeader('t=1,' + 'x'.repeat(5000))).toBeNull();
  });
});
