import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { BillingAction, BillingAuthorizationGuard, InjectStripe, PaymentsException, SeatAccountEntity, SeatMemberEntity, SeatService } from 'nestjs-headless-payments';

type SignedIn = { user: { id: number; email: string } };

/**
 * The sample's organisation, kept small: the signed-in user owns it and is its billable (the
 * subscription is theirs), and members are invited e-mail addresses, each holding one of the
 * organisation's seats. Inviting seats the address through `SeatService.claim`, the same check
 * `@RequiresSeat()` makes: beyond the paid seats it is 403 `seat_limit_reached`.
 */
@Controller('org')
@UseGuards(AuthGuard('jwt'), BillingAuthorizationGuard)
export class MembersController {
  constructor(
    private readonly seats: SeatService,
    @InjectDataSource() private readonly db: DataSource,
    @InjectStripe() private readonly stripe: Stripe,
  ) {}

  /** The members holding a seat, oldest first. */
  @Get('members')
  @BillingAction('view')
  async members(@Req() req: SignedIn) {
    const rows = await this.db.getRepository(SeatMemberEntity).find({ where: { billableId: String(req.user.id) }, order: { id: 'ASC' } });
    return { owner: req.user.email, members: rows.map((row) => ({ email: row.memberId, since: row.assignedAt })) };
  }

  /** Invites (seats) a member; 403 `seat_limit_reached` when every paid seat is taken. */
  @Post('members')
  @BillingAction('manage_seats')
  @HttpCode(200)
  async invite(@Req() req: SignedIn, @Body() body: { email?: unknown }) {
    const email = typeof body?.email === 'string' ? body.email.trim().toLowerCase() : '';
    // Seat member ids are at most 64 characters; control characters never reach the database.
    if (email.length > 64 || !/^[^@\s\p{Cc}]+@[^@\s\p{Cc}]+$/u.test(email)) {
      throw new PaymentsException(400, 'invalid_request', 'Enter the member\'s e-mail address (at most 64 characters).');
    }
    if (email === req.user.email) throw new PaymentsException(400, 'invalid_request', 'You own the organisation already.');
    if (!(await this.seats.claim(req.user.id, email))) {
      const view = await this.seats.get(req.user.id);
      throw new PaymentsException(403, 'seat_limit_reached', 'Every seat of this organisation is taken; buy another seat first.', {
        used: view.used,
        purchased: view.purchased,
        included: view.included,
        max: view.max,
      });
    }
    return { invited: email, seats: await this.seats.get(req.user.id) };
  }

  /** The seat quantity Stripe bills right now (null before a per-seat subscription), to watch the seat sync catch up. */
  @Get('seats/stripe')
  @BillingAction('view')
  async stripeQuantity(@Req() req: SignedIn) {
    const account = await this.db.getRepository(SeatAccountEntity).findOne({ where: { billableId: String(req.user.id) } });
    if (!account?.subscriptionId) return { quantity: null };
    const subscription = await this.stripe.subscriptions.retrieve(account.subscriptionId);
    return { quantity: subscription.items.data.reduce((sum, item) => sum + (item.quantity ?? 0), 0) };
  }
}
