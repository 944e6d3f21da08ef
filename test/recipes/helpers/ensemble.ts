// The recipes' tests run on @warden/testing's in-process ensemble.
import { waitUntil } from "@warden/testing";

export {
  startInProcessEnsemble as startEnsemble,
  type InProcessEnsemble as TestEnsemble,
  type InProcessEnsembleOptions as EnsembleOptions,
} from "@warden/testing";

/** Polls `check` until it is true or `timeoutMs` passes. */
export const eventually = (check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<unknown> =>
  waitUntil(what, check, timeoutMs, 20);
