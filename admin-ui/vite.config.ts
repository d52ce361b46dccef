import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Served by the Go binary at /admin/ (go:embed of admin-ui/dist).
// emptyOutDir is false so the committed dist/.keep survives; `npm run build`
// cleans the rest of dist/ itself (scripts/clean-dist.mjs).
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    // No inline polyfill script: keeps index.html CSP-clean (script-src 'self').
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': process.env.VETTED_URL || 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
