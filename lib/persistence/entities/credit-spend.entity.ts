import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Units a keyed use took from a credit bucket, kept so that releasing the key gives them back. */
@Entity('payments_credit_spends')
export class CreditSpendEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Index()
  @Column({ name: 'record_id', type: 'int' })
  recordId: number;

  @Column({ name: 'bucket_id', type: 'int' })
  bucketId: number;

  @Column({ type: 'int' })
  quantity: number;
}
