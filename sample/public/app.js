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

const money = (amount, currency) => (amount == null ? '' : new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount / 100));
const day = (iso) => (iso ? new Date(iso).toLocaleDateString('en', { year: 'numeric', month: 'short', day: 'numeric' }) : '—');

async function login(event) {
  event.preventDefault();
  const { token: t, user } = await api('/auth/login', { method: 'POST', body: { email: $('email').value } });
  token = t;
  sessionStorage.setItem('token', t);
  sessionStorage.setItem('email', user.email);
  await start();
}

async function loadSubscription() {
  current = await api('/payments/subscription');
  const rows = {
    Plan: current.planName || current.plan,
    Status: current.status || 'none',
    Active: current.active ? 'yes' : 'no',
    'On trial': current.onTrial ? `yes, until ${day(current.trialEnd)}` : 'no',
    Renews: current.cancelAtPeriodEnd || current.cancelAt ? `ends ${day(current.cancelAt || current.currentPeriodEnd)}` : day(current.currentPeriodEnd),
    Features: (current.features || []).join(', '),
  };
  $('subscription').innerHTML = Object.entries(rows).map(([k, v]) => `<dt>${k}</dt><dd data-field="${k}">${v}</dd>`).join('');
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
    card.innerHTML = `<h3>${plan.name}</h3><div class="price">${plan.free ? 'Free' : `${money(price?.amount, price?.currency || 'usd')} / ${price?.interval}`}</div>
      <p>${plan.description || ''}</p><p class="hint">${plan.features.join(', ')}</p>`;
    if (!plan.free && !isCurrent) {
      const button = document.createElement('button');
      button.textContent = current && current.active && current.plan ? `Switch to ${plan.name}` : `Subscribe to ${plan.name}`;
      button.dataset.action = 'subscribe';
      button.onclick = () => choose(plan.key, price?.interval || interval);
      card.append(button);
    }
    $('plans').append(card);
  }
}

async function choose(plan, interval) {
  try {
    if (current && current.active && current.plan) {
      await api('/payments/upgrade', { method: 'POST', body: { plan, interval } });
      flash(`Plan change to ${plan} requested.`);
      await refresh();
    } else {
      const { url } = await api('/payments/checkout', { method: 'POST', body: { plan, interval } });
      location.href = url;
    }
  } catch (error) {
    flash(error.message, true);
  }
}

async function loadUsage() {
  const { usage } = await api('/payments/usage');
  $('usage').innerHTML = usage
    .map((m) => {
      const pct = m.limit > 0 ? Math.min(100, (100 * m.used) / m.limit) : m.limit === -1 ? 0 : 100;
      const label = m.limit === -1 ? `${m.used} used (unlimited)` : `${m.used} / ${m.limit} used`;
      return `<div data-metric="${m.metric}">${m.metric}: <span class="used">${label}</span><div class="meter${pct >= 100 ? ' full' : ''}"><div style="width:${pct}%"></div></div></div>`;
    })
    .join('');
}

async function refresh() {
  await loadSubscription();
  await Promise.all([loadPlans(), loadUsage()]);
}

async function action(fn) {
  try {
    await fn();
  } catch (error) {
    flash(error.message, true);
  }
}

async function start() {
  $('login-panel').hidden = true;
  $('app').hidden = false;
  $('who').textContent = sessionStorage.getItem('email') || '';
  const params = new URLSearchParams(location.search);
  if (params.get('session_id')) {
    // Back from Checkout: sync now, whether or not the webhook has landed yet.
    const state = await api(`/payments/checkout/status?session_id=${encodeURIComponent(params.get('session_id'))}`).catch((e) => ({ error: e }));
    flash(state.error ? state.error.message : `Welcome to ${state.planName || state.plan}!`, Boolean(state.error));
    history.replaceState(null, '', '/');
  } else if (params.get('checkout') === 'cancelled') {
    flash('Checkout cancelled.');
    history.replaceState(null, '', '/');
  }
  await refresh();
}

$('login-form').addEventListener('submit', (e) => action(() => login(e)));
$('yearly').addEventListener('change', () => action(loadPlans));
$('portal').addEventListener('click', () => action(async () => (location.href = (await api('/payments/portal', { method: 'POST' })).url)));
$('cancel').addEventListener('click', () => action(async () => { await api('/payments/cancel', { method: 'POST' }); flash('Your plan ends at the end of the period.'); await refresh(); }));
$('resume').addEventListener('click', () => action(async () => { await api('/payments/resume', { method: 'POST' }); flash('Welcome back: your plan continues.'); await refresh(); }));
$('export').addEventListener('click', () => action(async () => {
  try {
    $('result').textContent = JSON.stringify(await api('/demo/reports/export'), null, 2);
  } catch (error) {
    $('result').textContent = JSON.stringify(error.data, null, 2);
  }
}));
$('api-call').addEventListener('click', () => action(async () => {
  try {
    $('result').textContent = JSON.stringify(await api('/demo/api-call', { method: 'POST' }), null, 2);
  } catch (error) {
    $('result').textContent = JSON.stringify(error.data, null, 2);
  }
  await loadUsage();
}));

if (token) action(start);
