import { applyDecorators } from '@nestjs/common';
import { DocErrors, DocOperation } from '../common/api-docs';

// The OpenAPI description of the invoice routes (no-ops without @nestjs/swagger).

const AUTH = { 401: ['unauthenticated'] } as const;
const STRIPE_DOWN = { 429: ['too_many_requests'], 502: ['stripe_error'], 503: ['stripe_unavailable'] } as const;

/** `GET /invoices`. */
export const DocInvoices = () =>
  applyDecorators(DocOperation({ summary: "A page of the caller's invoices, newest first" }), DocErrors({ 400: ['invalid_request'], ...AUTH, 404: ['billable_not_found'], ...STRIPE_DOWN }));
/** `GET /invoices/upcoming`. */
export const DocUpcomingInvoice = () =>
  applyDecorators(DocOperation({ summary: "A preview of the caller's next invoice" }), DocErrors({ ...AUTH, 404: ['billable_not_found', 'no_upcoming_invoice'], ...STRIPE_DOWN }));
/** `GET /invoices/:id`. */
export const DocInvoice = () =>
  applyDecorators(DocOperation({ summary: 'One of the caller\'s invoices' }), DocErrors({ 400: ['invalid_request'], ...AUTH, 404: ['billable_not_found', 'invoice_not_found'], ...STRIPE_DOWN }));
