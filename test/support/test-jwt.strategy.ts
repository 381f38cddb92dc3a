import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';

export const TEST_JWT_SECRET = 'test-jwt-secret-not-for-production';

/** The passport-jwt strategy an app would register: `req.user = { id, email }`. */
@Injectable()
export class TestJwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: TEST_JWT_SECRET, ignoreExpiration: false });
  }

  validate(payload: { sub: number | string; email?: string }) {
    return { id: payload.sub, email: payload.email };
  }
}
