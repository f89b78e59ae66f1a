// Entry of a toy-training worker thread: load TypeScript through tsx, then the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./toyWorker.ts');
