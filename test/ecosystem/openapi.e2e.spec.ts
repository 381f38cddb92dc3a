import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { createTestDatabase, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';

type Operation = { tags?: string[]; security?: object[]; parameters?: { name: string; in: string; required?: boolean; schema?: object }[]; requestBody?: any; responses: Record<string, any> };

/** The document an app builds with @nestjs/swagger, as Nest's docs write it (bearer auth declared). */
describe('OpenAPI document with @nestjs/swagger installed', () => {
  let db: TestDatabase;
  let t: TestApp;
  let doc: OpenAPIObject;
  const op = (method: string, path: string): Operation => (doc.paths[`/api/payments/${path}`] as Record<string, Operation>)[method];
  const schema = (name: string): any => doc.components?.schemas?.[name];
  const refName = (content: any) => String(content?.['application/json']?.schema?.$ref ?? '').split('/').pop();

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    t = await startTestApp({ db });
    doc = SwaggerModule.createDocument(t.app, new DocumentBuilder().setTitle('app').addBearerAuth().build());
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('describes the four request bodies with their fields, required ones and limits', () => {
    const bodies = { checkout: 'CheckoutDto', portal: 'PortalDto', cancel: 'CancelDto', upgrade: 'ChangePlanDto' };
    for (const [path, dto] of Object.entries(bodies)) expect(refName(op('post', path).requestBody?.content)).toBe(dto);
    // A plan or a one-time product: neither alone is required by the schema (the route refuses neither/both).
    expect(schema('CheckoutDto').required).toBeUndefined();
    expect(schema('CheckoutDto').properties).toMatchObject({ product: { type: 'string', maxLength: 64 }, quantity: { type: 'number', minimum: 1 } });
    expect(schema('CheckoutDto')).toMatchObject({
      properties: {
        plan: { type: 'string', minLength: 1, maxLength: 64 },
        interval: { enum: ['day', 'week', 'month', 'year'] },
        successUrl: { type: 'string', maxLength: 2048 },
        cancelUrl: { type: 'string', maxLength: 2048 },
      },
    });
    expect(schema('CheckoutDto').properties.promotionCode).toMatchObject({ type: 'string', maxLength: 64 });
    expect(schema('PortalDto').properties).toEqual({ returnUrl: expect.objectContaining({ type: 'string' }), flow: expect.objectContaining({ enum: ['payment_method_update'] }) });
    expect(schema('CancelDto').properties.immediately).toMatchObject({ type: 'boolean', default: false });
    expect(schema('ChangePlanDto').required).toEqual(['plan']);
    expect(schema('ChangePlanDto').properties.preview).toMatchObject({ type: 'boolean', default: false });
  });

  it('lists session_id as the required query parameter of GET /checkout/status', () => {
    expect(op('get', 'checkout/status').parameters).toEqual([
      expect.objectContaining({ name: 'session_id', in: 'query', required: true, schema: expect.objectContaining({ pattern: '^cs_[A-Za-z0-9_]+$' }) }),
    ]);
  });

  it('declares bearer security on the signed-in routes only', () => {
    for (const [method, path] of [['get', 'subscription'], ['post', 'checkout'], ['get', 'checkout/status'], ['post', 'portal'], ['post', 'cancel'], ['post', 'resume'], ['post', 'upgrade'], ['get', 'usage'], ['get', 'balance']]) {
      expect({ path, security: op(method, path).security }).toEqual({ path, security: [{ bearer: [] }] });
    }
    expect(op('get', 'plans').security).toBeUndefined();
    expect(op('get', 'products').security).toBeUndefined();
    expect(op('post', 'webhook').security).toBeUndefined();
    expect(op('post', 'webhook').parameters).toEqual([expect.objectContaining({ name: 'stripe-signature', in: 'header', required: true })]);
  });

  it('describes every answer, and each error status with its stable codes', () => {
    const answers: [string, string, string][] = [
      ['get', 'plans', 'PlansAnswer'],
      ['get', 'subscription', 'SubscriptionModel'],
      ['post', 'checkout', 'CheckoutAnswer'],
      ['get', 'checkout/status', 'CheckoutStatusAnswer'],
      ['post', 'portal', 'PortalAnswer'],
      ['post', 'cancel', 'SubscriptionModel'],
      ['post', 'resume', 'SubscriptionModel'],
      ['post', 'upgrade', 'ChangePlanAnswer'],
      ['get', 'usage', 'UsageAnswer'],
      ['get', 'products', 'ProductsAnswer'],
      ['get', 'balance', 'BalanceAnswer'],
      ['post', 'webhook', 'WebhookAnswerModel'],
    ];
    for (const [method, path, model] of answers) {
      expect({ path, model: refName(op(method, path).responses['200']?.content) }).toEqual({ path, model });
      expect(op(method, path).tags).toEqual(['payments']);
    }
    expect(schema('SubscriptionModel').properties).toMatchObject({ plan: { nullable: true }, currentPeriodEnd: { format: 'date-time' }, features: { type: 'array' } });
    expect(schema('ChangePlanAnswer').properties.scheduledChange).toBeDefined();
    expect(schema('PlansAnswer').properties.plans).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/PlanModel' } });

    const codes = (method: string, path: string, status: number) => op(method, path).responses[String(status)]?.content['application/json'].schema.properties.code.enum;
    expect(codes('post', 'checkout', 409)).toEqual(['already_subscribed', 'checkout_in_progress', 'customer_in_progress', 'idempotency_conflict', 'trial_already_used']);
    expect(codes('post', 'checkout', 400)).toContain('invalid_plan');
    expect(codes('post', 'upgrade', 402)).toEqual(['payment_failed', 'payment_action_required']);
    expect(codes('get', 'checkout/status', 404)).toContain('checkout_not_found');
    expect(codes('post', 'webhook', 400)).toContain('invalid_signature');
    expect(codes('get', 'usage', 401)).toEqual(['unauthenticated']);
    expect(codes('post', 'checkout', 500)).toEqual(['checkout_params_invalid']);
    expect(codes('get', 'invoices', 400)).toEqual(['invalid_request']);
    expect(codes('get', 'invoices/{id}', 404)).toContain('invoice_not_found');
    expect(codes('get', 'invoices/upcoming', 404)).toContain('no_upcoming_invoice');
    expect(op('get', 'invoices').parameters?.map((p) => p.name).sort()).toEqual(['limit', 'starting_after']);
    expect(op('get', 'invoices').security).toEqual([{ bearer: [] }]);
  });
});
