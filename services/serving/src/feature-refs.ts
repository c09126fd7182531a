import { InvalidArgumentError } from "@larder/core";

/** A parsed `view:feature` reference; `view` may be an alias from a feature service. */
export interface FeatureRef {
  readonly view: string;
  readonly feature: string;
}

/** Parses Feast's `<view>:<feature>` grammar (only the first `:` splits; `@vN` versions are refused). */
export function parseFeatureRef(ref: string, where: string): FeatureRef {
  const at = ref.indexOf(":");
  if (at <= 0 || at === ref.length - 1) {
    throw new InvalidArgumentError(`${where}: "${ref}" is not a feature reference; use "<feature_view>:<feature>"`);
  }
  const view = ref.slice(0, at);
  if (view.includes("@")) {
    throw new InvalidArgumentError(`${where}: "${ref}": versioned references (view@vN) are not supported`);
  }
  return { view, feature: ref.slice(at + 1) };
}
