import { join } from 'node:path'
import { defineConfig } from 'vite'

// The demo pages: the paint grid (index.html) and the GossipProvider text editor
// (provider.html). Served on 127.0.0.1 only: exposing them to the network should be a decision.
export default defineConfig({
  root: import.meta.dirname,
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      input: {
        main: join(import.meta.dirname, 'index.html'),
        provider: join(import.meta.dirname, 'provider.html'),
      },
    },
  },
})
