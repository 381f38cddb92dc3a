import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { jwtVerifyKey } from './jwt-secret';

/** Standard passport-jwt: the token's `sub` becomes `req.user.id`, which the payments module reads. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // @types/passport-jwt says string | Buffer; passport-jwt hands the key to jsonwebtoken, which takes a KeyObject.
      secretOrKey: jwtVerifyKey() as unknown as string,
    });
  }

  validate(payload: { sub: number; email: string }) {
    return { id: payload.sub, email: payload.email };
  }
}
