// The renderer build: relative asset URLs (base './') so the same files load from `mtlab serve` and from disk in
// Electron; output to dist/renderer, where both look for it.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The app is one small page: a single chunk loads fastest from localhost.
    chunkSizeWarningLimit: 1024,
  },
});
