import { ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import { FakeContext } from './fake-context';

const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const money = (amount: number, currency: string): string => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;

/**
 * The fake's hosted invoice page (`hosted_invoice_url`) and its PDF (`invoice_pdf`): only
 * finalized invoices have them, as on Stripe, so a draft's id answers 404.
 */
export function serveInvoicePage(ctx: FakeContext, id: string, pdf: boolean, res: ServerResponse): void {
  const invoice = ctx.store.invoices.get(id);
  if (!invoice || !invoice.hosted_invoice_url) {
    res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html><head><meta charset="utf-8"><title>Not found</title></head><body><h1>Not found</h1><p>No such invoice.</p></body></html>');
    return;
  }
  if (pdf) {
    res.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Disposition': `inline; filename="${invoice.number}.pdf"` });
    res.end(invoicePdf(invoice));
    return;
  }
  const lines = invoice.lines.data.map((l) => `<li>${esc(l.description)}: ${money(l.amount, l.currency)}</li>`).join('');
  const title = `Invoice ${invoice.number}`;
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(
    `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>` +
      `<p>Status: <strong data-status>${esc(invoice.status)}</strong></p><ul>${lines}</ul>` +
      `<p>Total: ${money(invoice.total, invoice.currency)}</p><p>Amount paid: ${money(invoice.amount_paid, invoice.currency)}</p>` +
      `<p><a href="${esc(invoice.invoice_pdf)}">Download PDF</a></p></body></html>`,
  );
}

/** A one-page PDF stating the invoice's number, status and total (enough for a viewer to open). */
function invoicePdf(invoice: Stripe.Invoice): Buffer {
  const text = `Invoice ${invoice.number} - ${invoice.status} - ${money(invoice.total, invoice.currency)}`.replace(/[()\\]/g, '');
  const stream = `BT /F1 14 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
