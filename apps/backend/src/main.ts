import { bootService } from '@syfthub/service';
import { backendService } from './service';

await bootService(backendService);
