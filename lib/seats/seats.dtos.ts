import { Allow, IsIn } from 'class-validator';
import { DocOptionalProperty, DocProperty } from '../common/api-docs';

/** Body of `POST /seats`: a number of seats or a list of members, never both. Counts are checked by the service (stable 400 codes). */
export class SeatChangeDto {
  /** add, remove or set. */
  @DocProperty({ enum: ['add', 'remove', 'set'], example: 'add' })
  @IsIn(['add', 'remove', 'set'])
  action!: 'add' | 'remove' | 'set';

  /** How many seats to add, remove or set. */
  @DocOptionalProperty({ type: Number, minimum: 1, example: 2 })
  @Allow()
  seats?: number;

  /** Members who take (add), leave (remove) or are exactly (set) the seat holders. */
  @DocOptionalProperty({ type: String, isArray: true, example: ['42', '43'] })
  @Allow()
  members?: (string | number)[];
}
