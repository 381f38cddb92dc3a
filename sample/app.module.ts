import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PaymentsModule } from 'nestjs-headless-payments';
import { AuthController } from './auth/auth.controller';
import { jwtSecret } from './auth/jwt-secret';
import { JwtStrategy } from './auth/jwt.strategy';
import { databaseOptions } from './database.config';
import { DemoController } from './demo/demo.controller';
import { paymentsOptions } from './payments.config';
import { MembersController } from './seats/members.controller';
import { User } from './user.entity';

@Module({
  imports: [
    TypeOrmModule.forRoot(databaseOptions()),
    TypeOrmModule.forFeature([User]),
    PassportModule,
    JwtModule.register({ secret: jwtSecret(), signOptions: { expiresIn: '12h' } }),
    PaymentsModule.forRootAsync({ useFactory: paymentsOptions }),
  ],
  controllers: [AuthController, DemoController, MembersController],
  providers: [JwtStrategy],
})
export class AppModule {}
