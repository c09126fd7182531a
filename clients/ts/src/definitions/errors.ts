/** Thrown when a definition is invalid; names the object, the option at fault and what to change. */
export class DefinitionError extends Error {
  override readonly name = "DefinitionError";

  constructor(
    /** Feast's class name of the object, e.g. "FeatureView". */
    readonly objectType: string,
    readonly objectName: string,
    /** The constructor option at fault, e.g. "ttl". */
    readonly field: string,
    problem: string,
  ) {
    super(`${objectType} "${objectName}": field "${field}": ${problem}`);
  }
}
