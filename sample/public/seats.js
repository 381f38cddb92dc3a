// The organisation's seats: GET /api/payments/seats, the sample's own /api/org/* routes and POST /api/payments/seats.
// Uses api(), action(), esc() and `current` from app.js; reloads whenever app.js refreshes the page.
const seatPlan = 'team';

async function loadSeats() {
  const onSeats = current && current.plan === seatPlan && current.active;
  // Checkout is for a first subscription; a subscriber on another plan switches in the plans above.
  const otherPlan = current && current.active && current.status && !onSeats;
  $('seat-checkout').hidden = !!(onSeats || otherPlan);
  $('seat-manage').hidden = !onSeats;
  if (!onSeats) {
    const hint = otherPlan ? 'Switch to Team above (1 seat), then buy more seats here.' : 'Subscribe to Team to buy seats.';
    $('seats').innerHTML = `<dt>Seats</dt><dd data-field="seats">${hint}</dd>`;
    $('members').innerHTML = '';
    return;
  }
  const [seats, { members }, stripe] = await Promise.all([api('/payments/seats'), api('/org/members'), api('/org/seats/stripe')]);
  const rows = {
    Used: seats.used,
    Purchased: seats.purchased,
    Available: seats.available,
    'At Stripe': stripe.quantity === null ? '—' : `${stripe.quantity}${seats.pending ? ' (a change is on its way)' : ''}`,
  };
  $('seats').innerHTML = Object.entries(rows).map(([k, v]) => `<dt>${k}</dt><dd data-field="${k}">${esc(v)}</dd>`).join('');
  $('members').innerHTML = members.map((m) => `<li>${esc(m.email)}</li>`).join('');
  $('buy-seat').disabled = seats.max !== null && seats.purchased >= seats.max;
}

function seatMessage(text, refused = false) {
  $('seat-result').textContent = text;
  $('seat-result').className = refused ? 'error' : '';
}

// Checkout for the per-seat plan: the client sends how many seats, never a price.
$('seat-checkout').addEventListener('submit', (event) => action(async () => {
  event.preventDefault();
  const quantity = Number($('seat-count').value);
  const { url } = await api('/payments/checkout', { method: 'POST', body: { plan: seatPlan, interval: 'month', quantity } });
  location.href = url;
}));

$('invite-form').addEventListener('submit', (event) => action(async () => {
  event.preventDefault();
  const email = $('member-email').value;
  try {
    await api('/org/members', { method: 'POST', body: { email } });
    seatMessage(`${email} joined the organisation.`);
    $('member-email').value = '';
  } catch (error) {
    if (error.status === 401) throw error;
    const code = error.data?.code ? ` (${error.data.code})` : '';
    seatMessage(`${error.status} ${error.message}${code}`, true);
  }
  await loadSeats();
}));

$('buy-seat').addEventListener('click', () => action(async () => {
  const seats = await api('/payments/seats', { method: 'POST', body: { action: 'add', seats: 1 } });
  seatMessage(`You now pay for ${seats.purchased} seats.`);
  await loadSeats();
}));

$('seats-reload').addEventListener('click', () => action(loadSeats));
document.addEventListener('billing:refreshed', () => action(loadSeats));
