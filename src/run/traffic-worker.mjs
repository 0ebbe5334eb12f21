// Entry of the traffic thread (see traffic-thread.ts): registers tsx in this thread, as bin/firedrill.js does
// for the main one, then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./traffic-worker.ts');
