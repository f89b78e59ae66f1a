// Entry of a toy-training worker thread where esbuild cannot bundle it (workerScript.ts): load
// TypeScript through tsx, then the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./toyWorker.ts');
