// Credit packs (one-time products), the balance they add to and the invoices: /api/payments/products,
// /balance and /invoices. Uses api(), action(), money(), day() and esc() from app.js.

async function loadProducts() {
  const { products } = await api('/payments/products');
  $('products').innerHTML = '';
  for (const product of products) {
    const card = document.createElement('div');
    card.className = 'plan';
    card.dataset.product = product.key;
    card.innerHTML = `<h3>${esc(product.name)}</h3><p>${esc(product.description)}</p>`;
    const button = document.createElement('button');
    button.textContent = `Buy ${product.name}`;
    button.onclick = () => action(async () => {
      const { url } = await api('/payments/checkout', { method: 'POST', body: { product: product.key } });
      location.href = url;
    });
    card.append(button);
    $('products').append(card);
  }
}

async function loadBalance() {
  const { balances } = await api('/payments/balance');
  $('balance').innerHTML = balances
    .map((b) => {
      const allowance = b.limit < 0 ? 'unlimited' : `${b.remaining} of ${b.limit} left this period`;
      return `<div data-balance="${esc(b.metric)}">${esc(b.metric)}: allowance <span class="allowance">${esc(allowance)}</span>, credits <strong class="credits">${esc(b.creditsRemaining)}</strong>, available <span class="available">${esc(b.available)}</span></div>`;
    })
    .join('');
}

async function loadInvoices() {
  const { data } = await api('/payments/invoices?limit=5');
  $('invoices').innerHTML = data.length
    ? data
        .map((i) => `<li data-invoice="${esc(i.id)}">${esc(i.number)} — ${esc(i.status)} — ${esc(money(i.total, i.currency))} — ${esc(day(i.created * 1000))}
          ${i.hostedInvoiceUrl ? `<a href="${esc(i.hostedInvoiceUrl)}" class="open-invoice">Open invoice</a>` : ''}
          ${i.invoicePdf ? `<a href="${esc(i.invoicePdf)}">PDF</a>` : ''}</li>`)
        .join('')
    : '<li class="hint">No invoices yet.</li>';
}

async function loadCredits() {
  await Promise.all([loadProducts(), loadBalance(), loadInvoices()]);
}

/** The flash after Checkout for a pack: the status answer's `purchase` (null until the payment is complete). */
function purchaseMessage(purchase) {
  return `Thank you: ${purchase.quantity} × ${purchase.product} added to your credits.`;
}
