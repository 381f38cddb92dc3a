import { allowedRedirectOrigins, resolveRedirect } from '../../lib/billing/redirect-policy';

const configured = 'https://app.example.com/billing/success?session_id={CHECKOUT_SESSION_ID}';
const origins = allowedRedirectOrigins([configured, 'https://app.example.com/billing'], ['https://admin.example.com']);

describe('resolveRedirect', () => {
  it('collects the origins of the configured URLs and the allow-list, once each', () => {
    expect(origins).toEqual(['https://app.example.com', 'https://admin.example.com']);
  });

  it.each([
    [undefined, configured],
    [null, configured],
    ['/done', 'https://app.example.com/done'],
    ['/done?session_id={CHECKOUT_SESSION_ID}', 'https://app.example.com/done?session_id={CHECKOUT_SESSION_ID}'],
    ['/a/b#frag', 'https://app.example.com/a/b#frag'],
    ['https://app.example.com/other', 'https://app.example.com/other'],
    ['https://admin.example.com/x', 'https://admin.example.com/x'],
    ['https://APP.example.com/x', 'https://app.example.com/x'],
    ['HTTPS://App.Example.COM/Path?q=A#F', 'https://app.example.com/Path?q=A#F'],
    ['https://app.example.com:443/x?s={CHECKOUT_SESSION_ID}', 'https://app.example.com/x?s={CHECKOUT_SESSION_ID}'],
    ['https://app.example.com', 'https://app.example.com'],
    ['https://app.example.com?x=1', 'https://app.example.com?x=1'],
  ])('accepts %p -> %p', (input, expected) => {
    expect(resolveRedirect(input as string | undefined, configured, origins)).toBe(expected);
  });

  it.each([
    ['//evil.com'],
    ['//evil.com/path'],
    ['/\\evil.com'],
    ['\\\\evil.com'],
    ['https://app.example.com.evil.com'],
    ['https://app.example.com.evil.com/billing'],
    ['https://evil.com/https://app.example.com'],
    ['https://app.example.com@evil.com/'],
    ['https://user:pw@app.example.com/'],
    ['http://app.example.com/'],
    ['https://app.example.com:8443/'],
    ['javascript:alert(1)'],
    ['JavaScript:alert(1)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['ftp://app.example.com/'],
    ['evil.com'],
    ['done'],
    ['/\tevil.com'],
    ['/\n/evil.com'],
    [' /done'],
    ['/done\u0000'],
    [''],
  ])('rejects %p', (input) => {
    expect(resolveRedirect(input, configured, origins)).toBeNull();
  });

  it('rejects a path longer than 2048 characters', () => {
    expect(resolveRedirect('/' + 'a'.repeat(2048), configured, origins)).toBeNull();
  });
});
