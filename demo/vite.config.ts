import { defineConfig } from 'vite'

// The demo page. Served on 127.0.0.1 only: exposing it to the network should be a decision.
export default defineConfig({
  root: import.meta.dirname,
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
})
