import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is served by the proxy itself under /ui/ (src/server/routes/ui.ts) from dist/ui.
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/ui/',
  publicDir: false,
  logLevel: 'info',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/ui'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Prints raw and gzip sizes per file; one bundle keeps the page to two requests.
    reportCompressedSize: true,
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 300,
  },
});
