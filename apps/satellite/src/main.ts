import { bootService } from '@syfthub/service';
import { satelliteService } from './service';

await bootService(satelliteService);
