// htm bound to Preact's h (htm/preact): tagged templates instead of JSX, so no JSX step in the build.
export { html } from "htm/preact";
