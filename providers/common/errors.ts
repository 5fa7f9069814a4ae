// Errors shared by the providers.

/** read() without saved outputs: the engine's import by id alone cannot reach a dynamic provider. */
export function importUnsupported(kind: string, id: string): Error {
  return new Error(
    `${kind} ${id}: reading needs the resource's saved outputs; \`pulumi import\` by id alone cannot reach a dynamic provider. ` +
      "Declare the resource with the `import` resource option set to this id (or run `npm run adopt` to write the program): see docs/adoption.md",
  );
}
