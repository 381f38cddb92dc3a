// The sample's frontend: plain fetch calls to /api/payments/* and the sample's own /api/demo/* routes.
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('token');
let current = null;

async function api(path, { method = 'GET', body } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`/api${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data.message || res.statusText), { status: res.status, data });
  return data;
}

function flash(text, isError = false) {
  $('flash').textContent = text;
  $('flash').className = isError ? 'error' : '';
}

const money = (amount, currency) => (amount == null ? 'price unavailable' : new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount / 100));
const day = (iso) => (iso ? new Date(iso).toLocaleDateString('en', { year: 'numeric', month: 'short', day: 'numeric' }) : '—');
// Plan names and descriptions come from the app's own config, but the page still never injects raw text as HTML.
const esc = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function login(event) {
  event.preventDefault();
  const { token: t, user } = await api('/auth/login', { method: 'POST', body: { email: $('email').value } });
  token = t;
  sessionStorage.setItem('token', t);
  sessionStorage.setItem('email', user.email);
  await start();
}

// Back to the sign-in form: used by the button and when the token is no longer accepted
// (expired, or the demo database was reset and the user no longer exists).
function signOut() {
  token = null;
  current = null;
  sessionStorage.removeItem('token');
  sessionStorage.removeItem('email');
  $('app').hidden = true;
  $('login-panel').hidden = false;
  $('who').hidden = true;
}

function renewal(sub) {
  if (!sub.status) return '—';
  if (sub.cancelAtPeriodEnd || sub.cancelAt) return `ends ${day(sub.cancelAt || sub.currentPeriodEnd)}`;
  if (!sub.active) return 'ended';
  return `renews ${day(sub.currentPeriodEnd)}`;
}

async function loadSubscription() {
  current = await api('/payments/subscription');
  const rows = {
    Plan: current.planName || current.plan,
    Status: current.status || 'none',
    Active: current.active ? 'yes' : 'no',
    'On trial': current.onTrial ? `yes, until ${day(current.trialEnd)}` : 'no',
    Renewal: renewal(current),
    Features: (current.features || []).join(', '),
  };
  $('subscription').innerHTML = Object.entries(rows).map(([k, v]) => `<dt>${k}</dt><dd data-field="${k}">${esc(v)}</dd>`).join('');
  $('cancel').disabled = !current.active || current.onGracePeriod || !current.status;
  $('resume').disabled = !current.onGracePeriod;
  $('portal').disabled = !current.status;
}

async function loadPlans() {
  const { plans } = await api('/payments/plans');
  const interval = $('yearly').checked ? 'year' : 'month';
  $('plans').innerHTML = '';
  for (const plan of plans) {
    const price = plan.prices.find((p) => p.interval === interval) || plan.prices[0];
    const isCurrent = current && current.plan === plan.key;
    const card = document.createElement('div');
    card.className = `plan${isCurrent ? ' current' : ''}`;
    card.dataset.plan = plan.key;
    const priceText = plan.free ? 'No card needed' : `${money(price?.amount, price?.currency || 'usd')} / ${price?.interval}`;
    const trial = !plan.free && plan.trialDays ? `<p class="hint">${plan.trialDays}-day free trial</p>` : '';
    card.innerHTML = `<h3>${esc(plan.name)}${isCurrent ? ' <span class="badge">Your plan</span>' : ''}</h3>
      <div class="price">${esc(priceText)}</div><p>${esc(plan.description)}</p><p class="hint">${esc(plan.features.join(', '))}</p>${trial}`;
    if (!plan.free && !isCurrent) {
      const button = document.createElement('button');
      button.textContent = current && current.active && current.plan ? `Switch to ${plan.name}` : `Subscribe to ${plan.name}`;
      button.dataset.action = 'subscribe';
      button.onclick = () => action(() => choose(plan.key, price?.interval || interval));
      card.append(button);
    }
    $('plans').append(card);
  }
}

async function choose(plan, interval) {
  if (current && current.active && current.plan && current.status) {
    const changed = await api('/payments/upgrade', { method: 'POST', body: { plan, interval } });
    await refresh();
    // A downgrade waits for the period end (option `downgrade`); an upgrade applies now.
    const scheduled = changed.scheduledChange;
    flash(scheduled ? `Your plan changes to ${scheduled.plan} on ${day(scheduled.at)}.` : `You are now on ${changed.planName}.`);
  } else {
    const { url } = await api('/payments/checkout', { method: 'POST', body: { plan, interval } });
    location.href = url;
  }
}

function meterLabel(m) {
  if (m.unlimited) return `${m.used} used (unlimited)`;
  if (m.limit === 0 && !m.creditsRemaining) return 'not included in your plan';
  if (m.used >= m.limit && m.creditsRemaining > 0) return `${m.used} / ${m.limit} used — now spending credits (${m.creditsRemaining} left)`;
  const full = m.used >= m.limit ? ` — limit reached, resets ${day(m.resetsAt)}` : '';
  return `${m.used} / ${m.limit} used${full}`;
}

async function loadUsage() {
  const { usage } = await api('/payments/usage');
  $('usage').innerHTML = usage
    .map((m) => {
      const pct = m.unlimited ? 0 : m.limit > 0 ? Math.min(100, (100 * m.used) / m.limit) : 100;
      return `<div data-metric="${esc(m.metric)}">${esc(m.metric)}: <span class="used">${esc(meterLabel(m))}</span><div class="meter${pct >= 100 && !(m.creditsRemaining > 0) ? ' full' : ''}"><div style="width:${pct}%"></div></div></div>`;
    })
    .join('');
}

async function refresh() {
  await loadSubscription();
  await Promise.all([loadPlans(), loadUsage(), loadCredits()]);
  // Other sections of the page (seats.js) reload themselves on this.
  document.dispatchEvent(new Event('billing:refreshed'));
}

async function action(fn) {
  try {
    await fn();
  } catch (error) {
    if (error.status === 401 || error.data?.code === 'billable_not_found') {
      signOut();
      return;
    }
    flash(error.message, true);
  }
}

// Shows a demo route's answer, refusals included: the 403/429 bodies are what the example is about.
async function tryRoute(path, method) {
  try {
    $('result').textContent = JSON.stringify(await api(path, { method }), null, 2);
    $('result').className = 'ok';
  } catch (error) {
    if (error.status === 401) throw error;
    $('result').textContent = `${error.status} ${JSON.stringify(error.data, null, 2)}`;
    $('result').className = 'refused';
  }
}

async function start() {
  $('login-panel').hidden = true;
  $('app').hidden = false;
  $('who').hidden = false;
  $('who-email').textContent = sessionStorage.getItem('email') || '';
  const params = new URLSearchParams(location.search);
  history.replaceState(null, '', '/');
  if (params.get('session_id')) {
    // Back from Checkout: sync now, whether or not the webhook has landed yet.
    try {
      const { session, subscription, purchase } = await api(`/payments/checkout/status?session_id=${encodeURIComponent(params.get('session_id'))}`);
      if (session.status === 'complete' && purchase) flash(purchaseMessage(purchase));
      else if (session.status === 'complete' && subscription.active) flash(`Welcome to ${subscription.planName}!`);
      else flash('The payment is not complete yet.', true);
    } catch (error) {
      if (error.status === 401) throw error;
      flash(error.message, true);
    }
  } else if (params.get('checkout') === 'cancelled') {
    flash('Checkout cancelled.');
  }
  await refresh();
}

$('login-form').addEventListener('submit', (e) => action(() => login(e)));
$('logout').addEventListener('click', signOut);
$('yearly').addEventListener('change', () => action(loadPlans));
$('portal').addEventListener('click', () => action(async () => (location.href = (await api('/payments/portal', { method: 'POST' })).url)));
$('cancel').addEventListener('click', () => action(async () => {
  const sub = await api('/payments/cancel', { method: 'POST' });
  flash(`Your plan ends on ${day(sub.cancelAt || sub.currentPeriodEnd)}.`);
  await refresh();
}));
$('resume').addEventListener('click', () => action(async () => { await api('/payments/resume', { method: 'POST' }); flash('Welcome back: your plan continues.'); await refresh(); }));
$('export').addEventListener('click', () => action(() => tryRoute('/demo/reports/export', 'GET')));
$('api-call').addEventListener('click', () => action(async () => {
  await tryRoute('/demo/api-call', 'POST');
  await Promise.all([loadUsage(), loadBalance()]);
}));

if (token) action(start);
