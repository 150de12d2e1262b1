#!/usr/bin/env node
// Shim so the TypeScript CLI runs without a build step: tsx compiles src/ on load.
import { register } from 'tsx/esm/api'

register()
await import('../src/agent/cli.ts')
