import { bootService } from '@syfthub/service';
import { aggregatorService } from './service';

await bootService(aggregatorService);
