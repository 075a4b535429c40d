import { bootService } from '@syfthub/service';
import { mcpService } from './service';

await bootService(mcpService);
