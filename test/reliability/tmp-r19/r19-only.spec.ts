import { r19Seats } from '../scenarios/r19-seats.scenario';
import { scenario } from '../support/reliability-env';

it('R19 alone', () => scenario('R19', () => r19Seats()), 120_000);
