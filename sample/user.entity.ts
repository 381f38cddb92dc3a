import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { SubscriptionMixin } from 'nestjs-headless-payments';

/** The sample's own user, with billing state added by the mixin. */
@Entity('users')
export class User extends SubscriptionMixin() {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: String, length: 255, unique: true })
  email: string;
}
