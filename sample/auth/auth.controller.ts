import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User } from '../user.entity';

/**
 * Demo-only login: any e-mail address signs in (and is created on first use). A real app uses its
 * own authentication; the payments module only needs `req.user.id` after passport runs.
 */
@Controller('auth')
export class AuthController {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly jwt: JwtService,
  ) {}

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: { email?: unknown }) {
    const email = typeof body?.email === 'string' ? body.email.trim().toLowerCase() : '';
    // Control characters (a NUL byte makes PostgreSQL fail, and the failure would be logged with the
    // query's parameters, the address included) are refused with the other malformed addresses.
    if (!/^[^@\s\p{Cc}]{1,64}@[^@\s\p{Cc}]{1,190}$/u.test(email)) throw new BadRequestException('Enter an e-mail address to sign in to the demo.');
    const user = (await this.users.findOneBy({ email })) ?? (await this.users.save(this.users.create({ email })));
    return { token: this.jwt.sign({ sub: user.id, email }), user: { id: user.id, email } };
  }
}
