// The session state machine as transcripts: one client, fake servers driven step by step, a
// manual clock. Rewrite the expected outputs with UPDATE_TRANSCRIPTS=1 and review the diff.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTranscriptFileAsync } from "@warden/testing";
import { SessionTranscript } from "./session-transcript.js";

const dir = fileURLToPath(new URL("./testdata/session/", import.meta.url));

describe("client session transcripts", () => {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()) {
    it(file.replace(/\.txt$/, "").replaceAll("_", " "), async () => {
      const transcript = new SessionTranscript();
      const mismatches = await runTranscriptFileAsync(dir + file, (command, args) => transcript.handle(command, args));
      const report = mismatches
        .map((m) => `${file}:${m.line} ${m.command}\n--- expected\n${m.expected}\n+++ actual\n${m.actual}`)
        .join("\n\n");
      expect(report).toBe("");
    });
  }
});
