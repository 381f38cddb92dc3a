import { Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { RequiresActiveSubscription, RequiresFeature, RequiresPlan, TrackUsage } from 'nestjs-headless-payments';

/** The app's own routes, gated by plan, feature and usage. Auth runs first (class-level guard). */
@Controller('demo')
@UseGuards(AuthGuard('jwt'))
export class DemoController {
  @Get('reports/export')
  @RequiresFeature('advanced_exports')
  exportReport() {
    return { report: 'quarterly.csv', rows: 42 };
  }

  @Get('sso')
  @RequiresPlan('team')
  sso() {
    return { sso: 'configured' };
  }

  @Get('members')
  @RequiresActiveSubscription()
  members() {
    return { message: 'Welcome, subscriber.' };
  }

  @Post('api-call')
  @HttpCode(200)
  @TrackUsage('api_calls')
  apiCall(@Req() req: { user: { id: number } }) {
    return { ok: true, user: req.user.id, at: new Date().toISOString() };
  }
}
