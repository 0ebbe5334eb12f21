#!/usr/bin/env node
// firedrill's command-line entry. Registers tsx so that the harness and scenario files (TypeScript)
// load without a build step, then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
