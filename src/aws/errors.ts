/** IAM answers `NoSuchEntity` for a missing role and for a missing policy alike. */
export function isNoSuchEntity(error: unknown): boolean {
  return errorName(error) === 'NoSuchEntityException' || errorName(error) === 'NoSuchEntity';
}

export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
