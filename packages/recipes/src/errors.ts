// Typed errors of the recipes: a stable `code` for programs, a `message` for people.
// Errors of the service itself (NoNodeError, SessionExpiredError, ...) come through as
// the client's classes (re-exported from @warden/protocol).

import { WardenError } from "@warden/client";

/** The base of the recipes' own errors: a WardenError with no ZooKeeper code (`zkCode` undefined). */
export class RecipeError extends WardenError {
  constructor(code: string, message: string) {
    super({ code, message });
  }
}

/** acquire() did not succeed within its timeout. */
export class AcquireTimeoutError extends RecipeError {
  constructor(path: string, timeoutMs: number) {
    super("WARDEN_ERR_ACQUIRE_TIMEOUT", `not acquired within ${timeoutMs} ms: ${path}`);
  }
}

/** The recipe was closed (or its owner gave up) while a call was waiting. */
export class RecipeClosedError extends RecipeError {
  constructor(what: string) {
    super("WARDEN_ERR_RECIPE_CLOSED", `${what} is closed`);
  }
}

/** A lock, lease or leadership held by this process is no longer held (session lost). */
export class OwnershipLostError extends RecipeError {
  constructor(path: string) {
    super("WARDEN_ERR_OWNERSHIP_LOST", `no longer held (the session was lost): ${path}`);
  }
}

/** release() of something this process does not hold. */
export class NotHeldError extends RecipeError {
  constructor(path: string) {
    super("WARDEN_ERR_NOT_HELD", `not held by this process: ${path}`);
  }
}

/** A compare-and-set loop gave up after its attempts (heavy contention). */
export class ContentionError extends RecipeError {
  constructor(path: string, attempts: number) {
    super("WARDEN_ERR_CONTENTION", `gave up after ${attempts} attempts: ${path}`);
  }
}

/** A znode's data is not what the recipe wrote there (not JSON, missing fields). */
export class BadRecipeDataError extends RecipeError {
  constructor(path: string, reason: string) {
    super("WARDEN_ERR_BAD_RECIPE_DATA", `${path}: ${reason}`);
  }
}
