import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { SubscriptionMixin } from '../../lib';

/** The app's own base class, to prove the mixin keeps it. */
export class AppUserBase {
  greet(): string {
    return 'hello';
  }
}

/** A user entity as an app would write it. */
@Entity('users')
export class TestUser extends SubscriptionMixin(AppUserBase) {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: String, length: 255 })
  email: string;
}
