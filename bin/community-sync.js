#!/usr/bin/env node
// The installed command: runs the TypeScript sources through tsx, as `npm run cli --` does.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
