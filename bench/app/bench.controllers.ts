import { Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { InjectPaymentsOptions, PaymentsException, ResolvedPaymentsOptions, verifyStripeSignature } from 'nestjs-headless-payments';

/**
 * The baselines: the sample's demo handlers with the same auth but WITHOUT the payments
 * decorators, so a ratio against /api/demo/... isolates what @RequiresFeature / @TrackUsage cost.
 * Lives only in the bench app, never in the sample's user-facing controllers.
 */
@Controller('bench')
@UseGuards(AuthGuard('jwt'))
export class BenchBaselineController {
  @Get('reports/export')
  exportReport() {
    return { report: 'quarterly.csv', rows: 42 };
  }

  @Post('api-call')
  @HttpCode(200)
  apiCall(@Req() req: { user: { id: number } }) {
    return { ok: true, user: req.user.id, at: new Date().toISOString() };
  }
}

/** The webhook floor: verifies the signature over the raw bytes and answers 200, nothing else. */
@Controller('bench')
export class BenchVerifyOnlyController {
  constructor(@InjectPaymentsOptions() private readonly options: ResolvedPaymentsOptions) {}

  @Post('verify-only')
  @HttpCode(200)
  verifyOnly(@Req() req: { rawBody?: Buffer; headers: Record<string, string | string[] | undefined> }) {
    const check = verifyStripeSignature({
      rawBody: req.rawBody ?? Buffer.alloc(0),
      header: req.headers['stripe-signature'],
      secrets: this.options.webhookSecrets,
      toleranceSeconds: this.options.webhook.toleranceSeconds,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!check.ok) throw new PaymentsException(400, 'invalid_signature', 'Invalid webhook signature.');
    return { received: true };
  }
}
