// Svelte compiles TypeScript in components itself (type annotations only), so no preprocessor is needed.
export default {
  compilerOptions: { runes: true },
};
